import lenience from "@distillspec/acceptance-lenience";
import type { AcceptanceRule } from "@distillspec/core";
import { generateArithmeticProblems, loadFixtureCorpus } from "@distillspec/datasets";
import { referenceForward } from "@distillspec/model";
import { DraftProposer, speculativeGenerate, TargetVerifier } from "@distillspec/serving";
import { trainTokenizer } from "@distillspec/tokenizer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { negativeLogLikelihood, runLossySweep } from "../src/lossy-sweep.js";
import { tinyCheckpoint } from "./tiny-models.js";

// The lossy sweep's quality measure, checked against a float64 log-softmax of the reference forward pass,
// and the sweep itself: interleaving its decodings problem by problem must not change what each one writes.

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

describe("lossy sweep", () => {
  const draft = tinyCheckpoint(tokenizer, 2);
  const problemCount = 4;
  const maxNewTokens = 12;
  const problems = generateArithmeticProblems(problemCount, { seed: 0, split: "test" }).map((p) =>
    tokenizer.encode(p.prompt),
  );
  const eos = [tokenizer.eosId];

  /** Each decoding on its own, problem after problem, as the sweep's points should come out. */
  async function alone(rule?: AcceptanceRule) {
    const rows: number[][] = [];
    let emitted = 0;
    let rounds = 0;
    let accepted = 0;
    let proposed = 0;
    const proposer = await DraftProposer.create(draft);
    try {
      for (const [i, prompt] of problems.entries()) {
        const sampling = { temperature: 1, seed: BigInt(i) };
        const written: number[] = [];
        if (rule === undefined) {
          for await (const s of verifier.generate(prompt, maxNewTokens, sampling, eos))
            written.push(s.tokenId);
        } else {
          for await (const event of speculativeGenerate(verifier, proposer, {
            promptTokens: prompt,
            maxNewTokens,
            gamma: 4,
            sampling,
            stopTokenIds: eos,
            contextLength: verifier.config.contextLength,
            rule,
          })) {
            if (event.kind === "tokens") written.push(...event.tokens);
            else {
              emitted += event.stats.emitted;
              rounds += event.stats.rounds;
              accepted += event.stats.metrics.numAcceptedTokens;
              proposed += event.stats.metrics.numDraftTokens;
            }
          }
        }
        rows.push([...prompt, ...written]);
      }
    } finally {
      await proposer.close();
    }
    const nll = await negativeLogLikelihood(
      verifier,
      rows,
      problems.map((p) => p.length),
    );
    const tokens = rows.reduce((sum, row, r) => sum + row.length - problems[r].length, 0);
    return { nll: nll.mean, tokens, tau: emitted / rounds, alpha: accepted / proposed };
  }

  it("gives every decoding the results it has when run alone, and speedups per written token", async () => {
    const rule = (f: string, epsilon: number) => lenience.create({ f, epsilon }) as AcceptanceRule;
    const points = await runLossySweep({
      verifier,
      draft,
      tokenizer,
      lenience: rule,
      problems: problemCount,
      gamma: 4,
      quick: true,
      maxNewTokens,
    });
    expect(points.map((p) => [p.f, p.epsilon])).toEqual([
      ["target-only", 1],
      ["exp", 1],
      ["exp", 0.2],
    ]);
    const expected = [await alone(), await alone(rule("exp", 1)), await alone(rule("exp", 0.2))];
    for (const [j, point] of points.entries()) {
      expect(point.tokens_written).toBe(expected[j].tokens);
      expect(point.target_nll).toBeCloseTo(expected[j].nll, 6);
      expect(point.ms_per_token).toBeGreaterThan(0);
      if (j > 0) {
        expect(point.tau).toBe(expected[j].tau);
        expect(point.alpha).toBe(expected[j].alpha);
      }
    }
    expect(points[0].tau).toBe(1);
    expect(points[0].speedup).toBe(1);
    expect(points[1].speedup).toBeCloseTo(points[0].ms_per_token / points[1].ms_per_token, 12);
  });
});
