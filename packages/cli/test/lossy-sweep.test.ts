import { loadFixtureCorpus } from "@distillspec/datasets";
import { referenceForward } from "@distillspec/model";
import { TargetVerifier } from "@distillspec/serving";
import { trainTokenizer } from "@distillspec/tokenizer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meanNegativeLogLikelihood } from "../src/lossy-sweep.js";
import { tinyCheckpoint } from "./tiny-models.js";

// The lossy sweep's quality measure, checked against a float64 log-softmax of the reference forward pass.

const tokenizer = trainTokenizer(loadFixtureCorpus().train, { vocabSize: 300 });
const target = tinyCheckpoint(tokenizer, 1);
let verifier: TargetVerifier;

beforeAll(async () => {
  verifier = await TargetVerifier.create(target);
});
afterAll(async () => verifier?.close());

function logSoftmax(logits: Float64Array): Float64Array {
  const max = Math.max(...logits);
  const logSum = Math.log(logits.reduce((sum, x) => sum + Math.exp(x - max), 0)) + max;
  return logits.map((x) => x - logSum);
}

describe("mean negative log-likelihood under the target", () => {
  it("averages −ln p(token | context) over the written tokens only, across rows", async () => {
    const rows = [
      [5, 17, 42, 8, 99, 3],
      [250, 1, 77],
      [12, 13, 14, 15, 16, 17, 18, 19],
    ];
    const promptLengths = [2, 2, 5];
    let sum = 0;
    let tokens = 0;
    rows.forEach((row, r) => {
      const logProbs = referenceForward(target.config, target.weights, row).map(logSoftmax);
      for (let t = promptLengths[r]; t < row.length; t++) {
        sum -= logProbs[t - 1][row[t]];
        tokens++;
      }
    });
    expect(tokens).toBe(4 + 1 + 3);
    const nll = await meanNegativeLogLikelihood(verifier, rows, promptLengths);
    expect(nll).toBeCloseTo(sum / tokens, 4);
  });

  it("is not a number when nothing was written", async () => {
    expect(await meanNegativeLogLikelihood(verifier, [], [])).toBeNaN();
  });
});
