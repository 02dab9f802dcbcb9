import { describe, expect, it } from "vitest";
import type { AcceptanceRule } from "../src/acceptance-rule.js";
import { losslessRule } from "../src/lossless-rule.js";
import { processLogits } from "../src/process-logits.js";
import { createRng, type Rng } from "../src/rng.js";
import type { SamplingParams } from "../src/sampling-params.js";
import { verifyDraft } from "../src/speculative-step.js";
import { chiSquareTest } from "./helpers/chi-square.js";

// Statistical losslessness: full speculative rounds (draft sampling from q, verification against p)
// on a tiny enumerable language must emit sequences distributed exactly as the target alone would.
// The first L emitted tokens are compared with the exact joint Π p(t_k | t_<k) by a chi-square test
// at significance 0.001. Seeds are fixed, so the outcome is deterministic; sample sizes are large
// enough that a wrong residual or bonus distribution fails by a wide margin (see the power checks).

const VOCAB = 4;
const SIGNIFICANCE = 0.001;

type Model = (prefix: readonly number[]) => Float32Array;

/** A prefix-dependent "language model": logits are a pure function of (seed, prefix), then processed. */
function makeModel(seed: number, spread: number, params: SamplingParams): Model {
  const root = createRng(seed);
  const cache = new Map<string, Float32Array>();
  return (prefix) => {
    const key = prefix.join(",");
    let probs = cache.get(key);
    if (probs === undefined) {
      const r = root.fork(key);
      const logits = Float32Array.from({ length: VOCAB }, () => spread * r.uniform());
      probs = processLogits(logits, params);
      cache.set(key, probs);
    }
    return probs;
  };
}

/** Runs speculative rounds until at least `length` tokens are emitted; returns the first `length`. */
function speculativeGenerate(
  target: Model,
  draft: Model,
  gamma: number,
  length: number,
  rule: AcceptanceRule,
  rng: Rng,
): number[] {
  const out: number[] = [];
  while (out.length < length) {
    const draftTokens: number[] = [];
    const draftProbs: Float32Array[] = [];
    for (let i = 0; i < gamma; i++) {
      const q = draft([...out, ...draftTokens]);
      draftProbs.push(q);
      draftTokens.push(rng.categorical(q));
    }
    const targetProbs = Array.from({ length: gamma + 1 }, (_, i) =>
      target([...out, ...draftTokens.slice(0, i)]),
    );
    out.push(...verifyDraft({ draftTokens, draftProbs, targetProbs, rule, rng }).emitted);
  }
  return out.slice(0, length);
}

/** Exact target probability of every length-L sequence (index = base-VOCAB number), in float64. */
function exactJoint(target: Model, length: number): number[] {
  const cells = VOCAB ** length;
  const probs = new Array<number>(cells);
  for (let cell = 0; cell < cells; cell++) {
    const seq = decode(cell, length);
    let prob = 1;
    for (let k = 0; k < length; k++) {
      const p = target(seq.slice(0, k));
      let total = 0;
      for (let j = 0; j < VOCAB; j++) total += p[j];
      prob *= p[seq[k]] / total;
    }
    probs[cell] = prob;
  }
  return probs;
}

function decode(cell: number, length: number): number[] {
  const seq = new Array<number>(length);
  for (let k = length - 1; k >= 0; k--) {
    seq[k] = cell % VOCAB;
    cell = Math.floor(cell / VOCAB);
  }
  return seq;
}

interface Setting {
  readonly name: string;
  readonly gamma: number;
  readonly samples: number;
  readonly target: Model;
  readonly draft: Model;
}

const MAX_LEN = 3;

/** Empirical counts of the first 1, 2 and 3 emitted tokens (joint), from one seeded run. */
function simulate(setting: Setting, rule: AcceptanceRule, seed: number): number[][] {
  const rng = createRng(seed);
  const counts = Array.from({ length: MAX_LEN }, (_, l) => new Array<number>(VOCAB ** (l + 1)).fill(0));
  for (let s = 0; s < setting.samples; s++) {
    const seq = speculativeGenerate(setting.target, setting.draft, setting.gamma, MAX_LEN, rule, rng);
    let cell = 0;
    for (let l = 0; l < MAX_LEN; l++) {
      cell = cell * VOCAB + seq[l];
      counts[l][cell]++;
    }
  }
  return counts;
}

const settings: Setting[] = [
  {
    // Dense distributions; the draft is sharper and unrelated to the target.
    name: "γ=3, dense p and q",
    gamma: 3,
    samples: 200_000,
    target: makeModel(101, 2, { temperature: 1 }),
    draft: makeModel(202, 4, { temperature: 1 }),
  },
  {
    // Top-k/top-p put exact zeros in both: p(x) = 0 rejections and q(x) = 0 tokens only reachable
    // through the residual.
    name: "γ=2, top-k target, top-p draft (zeros on both sides)",
    gamma: 2,
    samples: 200_000,
    target: makeModel(303, 2, { temperature: 0.9, topK: 3 }),
    draft: makeModel(404, 3, { temperature: 1.2, topP: 0.8 }),
  },
  {
    // γ = 1: the second token is the bonus from p_2 whenever x_1 is accepted.
    name: "γ=1, bonus-heavy",
    gamma: 1,
    samples: 200_000,
    target: makeModel(505, 2.5, { temperature: 1 }),
    draft: makeModel(606, 1.5, { temperature: 0.8 }),
  },
];

/** The classic bug: recover from p instead of norm(max(0, p − q)). */
const residualFromP: AcceptanceRule = { ...losslessRule, id: "broken-residual", recover: (p) => p };

describe.each(settings)("speculative decoding is lossless: $name", (setting) => {
  // Simulated lazily so collection stays cheap and only the tests that need it pay for it.
  let counts: number[][] | undefined;
  const lossless = () => {
    counts ??= simulate(setting, losslessRule, 9000 + setting.gamma);
    return counts;
  };

  it.each([1, 2, 3])("joint distribution of the first %i emitted token(s) matches the target", (length) => {
    const exact = exactJoint(setting.target, length);
    const result = chiSquareTest(lossless()[length - 1], exact);
    if (process.env.SPEC_DEBUG) console.log(setting.name, length, result);
    expect(result.minExpected).toBeGreaterThanOrEqual(5); // the chi-square approximation is valid
    expect(result.impossible).toBe(0); // never emits a token the target gives probability 0
    expect(result.pValue).toBeGreaterThan(SIGNIFICANCE);
  });

  it("has the power to reject a wrong residual (recovering from p)", () => {
    const broken = simulate(setting, residualFromP, 9000 + setting.gamma);
    const result = chiSquareTest(broken[0], exactJoint(setting.target, 1));
    if (process.env.SPEC_DEBUG) console.log(setting.name, "broken", result);
    expect(result.pValue).toBeLessThan(1e-9);
  });
});

describe("the zero-support setting really exercises both edge cases", () => {
  it("at the empty prefix, the draft proposes a token with p = 0 and misses one with p > 0", () => {
    const { target, draft } = settings[1];
    const p = target([]);
    const q = draft([]);
    const tokens = [...Array(VOCAB).keys()];
    expect(tokens.some((t) => q[t] > 0 && p[t] === 0)).toBe(true);
    expect(tokens.some((t) => p[t] > 0 && q[t] === 0)).toBe(true);
  });
});
