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
    const expected = await float64Reference(settings.chunk);
    expect(result.positions).toBe(expected.positions);
    expect(result.beta).toBeCloseTo(expected.beta, 4);
    expect(result.beta).toBeLessThan(0.99);
    expect(result.greedyAgreement).toBeCloseTo(expected.greedyAgreement, 10);
    const b = result.beta;
    expect(result.tauIid).toBeCloseTo(1 + b + b ** 2 + b ** 3 + b ** 4, 10);
  });

  it("samples the target's continuations a chunk of prompts at a time, each chunk with its own seed", async () => {
    const chunk = 4; // 6 prompts: chunks of 4 and 2
    const probe = createTokenAcceptanceProbe({ target: verifier, draft, ...settings, chunk });
    const result = await probe.measure(draft.weights);
    const expected = await float64Reference(chunk);
    expect(result.positions).toBe(expected.positions);
    expect(result.beta).toBeCloseTo(expected.beta, 4);
    // Greedy continuations do not depend on seeds or chunks.
    expect(result.greedyAgreement).toBeCloseTo((await float64Reference(prompts.length)).greedyAgreement, 10);
  });
});

/** β and greedy agreement recomputed in float64, the target sampling `chunk` prompts per call as the probe does. */
async function float64Reference(chunk: number) {
  const rows = async (temperature: number) => {
    const out: { row: number[]; promptLength: number }[] = [];
    for (let start = 0; start < prompts.length; start += chunk) {
      const slice = prompts.slice(start, start + chunk);
      const continuations = await verifier.sample(slice, settings.maxNewTokens, {
        temperature,
        seed: settings.seed + BigInt(start),
      });
      slice.forEach((p, i) => {
        out.push({ row: [...p, ...continuations[i]], promptLength: p.length });
      });
    }
    return out;
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
  return { beta: beta / positions, positions, greedyAgreement: agree / greedyPositions };
}
