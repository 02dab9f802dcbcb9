import { argmax, createRng, tokenAcceptance } from "@distillspec/core";
import { createTokenAcceptanceProbe } from "@distillspec/distill";
import { referenceForward } from "@distillspec/model";
import { TargetVerifier } from "@distillspec/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noisyDraftOf, tinyTarget } from "./support/tiny-models.js";

// Token acceptance β on target-written continuations, checked against a float64 recomputation with the
// reference forward pass (which also pins down which positions count).

const target = tinyTarget();
const draft = noisyDraftOf(target, 0.3);
const rng = createRng(4);
const prompts = Array.from({ length: 6 }, () =>
  Array.from({ length: 3 + rng.int(4) }, () => rng.int(target.config.vocabSize)),
);
const settings = { prompts, maxNewTokens: 12, gamma: 4, seed: 21n, chunk: prompts.length };
let verifier: TargetVerifier;

beforeAll(async () => {
  verifier = await TargetVerifier.create(target);
});
afterAll(async () => verifier?.close());

function softmax(logits: Float64Array): Float64Array {
  const max = Math.max(...logits);
  const exp = logits.map((x) => Math.exp(x - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((x) => x / sum);
}

describe("token acceptance", () => {
  it("is 1 for the target against itself, with every greedy choice agreeing", async () => {
    const probe = createTokenAcceptanceProbe({ target: verifier, draft: target, ...settings });
    const result = await probe.measure(target.weights);
    expect(result.beta).toBeCloseTo(1, 5);
    expect(result.greedyAgreement).toBe(1);
    expect(result.tauIid).toBeCloseTo(5, 3);
  });

  it("matches a float64 recomputation over the target's sampled and greedy continuations", async () => {
    const probe = createTokenAcceptanceProbe({ target: verifier, draft, ...settings });
    const result = await probe.measure(draft.weights);

    const rows = async (temperature: number) => {
      const continuations = await verifier.sample(prompts, settings.maxNewTokens, {
        temperature,
        seed: settings.seed,
      });
      return prompts.map((p, i) => ({ row: [...p, ...continuations[i]], promptLength: p.length }));
    };
    let beta = 0;
    let positions = 0;
    for (const { row, promptLength } of await rows(1)) {
      const p = referenceForward(target.config, target.weights, row).map(softmax);
      const q = referenceForward(draft.config, draft.weights, row).map(softmax);
      for (let t = promptLength - 1; t < row.length - 1; t++) {
        beta += tokenAcceptance(p[t], q[t]);
        positions++;
      }
    }
    let agree = 0;
    let greedyPositions = 0;
    for (const { row, promptLength } of await rows(0)) {
      const p = referenceForward(target.config, target.weights, row);
      const q = referenceForward(draft.config, draft.weights, row);
      for (let t = promptLength - 1; t < row.length - 1; t++) {
        if (argmax(p[t]) === argmax(q[t])) agree++;
        greedyPositions++;
      }
    }
    expect(result.positions).toBe(positions);
    expect(result.beta).toBeCloseTo(beta / positions, 4);
    expect(result.beta).toBeLessThan(0.99);
    expect(result.greedyAgreement).toBeCloseTo(agree / greedyPositions, 10);
    const b = result.beta;
    expect(result.tauIid).toBeCloseTo(1 + b + b ** 2 + b ** 3 + b ** 4, 10);
  });
});
