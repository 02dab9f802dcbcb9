import { loadFixtureCorpus } from "@distillspec/datasets";
import { referenceForward } from "@distillspec/model";
import { TargetVerifier } from "@distillspec/serving";
import { trainTokenizer } from "@distillspec/tokenizer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { negativeLogLikelihood } from "../src/lossy-sweep.js";
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
  it("averages −ln p(token | context) over each row's written tokens, then over rows", async () => {
    const rows = [
      [5, 17, 42, 8, 99, 3],
      [250, 1, 77],
      [12, 13, 14, 15, 16, 17, 18, 19],
    ];
    const promptLengths = [2, 2, 5];
    const perRow = rows.map((row, r) => {
      const logProbs = referenceForward(target.config, target.weights, row).map(logSoftmax);
      let sum = 0;
      for (let t = promptLengths[r]; t < row.length; t++) sum -= logProbs[t - 1][row[t]];
      return sum / (row.length - promptLengths[r]);
    });
    const mean = (perRow[0] + perRow[1] + perRow[2]) / 3;
    const variance = perRow.reduce((a, x) => a + (x - mean) ** 2, 0) / 2;
    const nll = await negativeLogLikelihood(verifier, rows, promptLengths);
    expect(nll.mean).toBeCloseTo(mean, 4);
    expect(nll.standardError).toBeCloseTo(Math.sqrt(variance / 3), 4);
  });

  it("is not a number when nothing was written", async () => {
    const nll = await negativeLogLikelihood(verifier, [], []);
    expect(nll.mean).toBeNaN();
    expect(nll.standardError).toBeNaN();
  });
});
