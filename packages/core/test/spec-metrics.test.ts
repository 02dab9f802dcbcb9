import { describe, expect, it } from "vitest";
import { createRng } from "../src/rng.js";
import {
  expectedTau,
  predictedSpeedup,
  SpecMetrics,
  tokenAcceptance,
  totalVariation,
} from "../src/spec-metrics.js";
import { verifyDraft } from "../src/speculative-step.js";

// Four rounds counted by hand:
//   R1 γ=3 accepted 3 emitted 4 | R2 γ=3 accepted 1 emitted 2 | R3 γ=3 accepted 0 emitted 1
//   R4 γ=2 accepted 2 emitted 2 (truncated by max_tokens: no bonus)
const ROUNDS = [
  { proposed: 3, acceptedCount: 3, emitted: 4 },
  { proposed: 3, acceptedCount: 1, emitted: [7, 8] },
  { proposed: 3, acceptedCount: 0, emitted: 1 },
  { proposed: 2, acceptedCount: 2, emitted: 2 },
];

describe("SpecMetrics", () => {
  it("matches hand counts", () => {
    const m = new SpecMetrics();
    for (const r of ROUNDS) m.record(r);
    const s = m.snapshot();
    expect(s.num_drafts).toBe(4);
    expect(s.num_draft_tokens).toBe(11);
    expect(s.num_accepted_tokens).toBe(6);
    expect(s.num_emitted_tokens).toBe(9);
    expect(s.num_accepted_tokens_per_pos).toEqual([3, 2, 1]);
    // Position 0 reached in all rounds; 1 in R1, R2 (rejected there) and R4; 2 only in R1.
    expect(s.num_reached_per_pos).toEqual([4, 3, 1]);
    expect(s.alpha).toBeCloseTo(6 / 11, 15);
    expect(s.tau).toBe(9 / 4);
    expect(s.mean_acceptance_length).toBe(2.5);
    expect(s.acceptance_per_position).toEqual([3 / 4, 2 / 3, 1]);
    expect(m.alpha).toBe(s.alpha);
    expect(m.numDrafts).toBe(4);
  });

  it("reports NaN ratios before anything is recorded, and for unreached positions", () => {
    const s = new SpecMetrics().snapshot();
    expect(s.num_drafts).toBe(0);
    expect(s.alpha).toBeNaN();
    expect(s.tau).toBeNaN();
    expect(s.mean_acceptance_length).toBeNaN();
    const m = new SpecMetrics().record({ proposed: 2, acceptedCount: 0, emitted: 1 });
    expect(m.acceptancePerPosition).toEqual([0, Number.NaN]);
  });

  it("merges: split-and-sum equals recording everything in one accumulator", () => {
    const whole = new SpecMetrics();
    for (const r of ROUNDS) whole.record(r);
    const a = new SpecMetrics().record(ROUNDS[0]).record(ROUNDS[3]);
    const b = new SpecMetrics().record(ROUNDS[1]).record(ROUNDS[2]);
    expect(SpecMetrics.sum([a, b]).snapshot()).toEqual(whole.snapshot());
    // Snapshots are plain JSON and merge too (e.g. across worker processes).
    const viaJson = new SpecMetrics().merge(JSON.parse(JSON.stringify(b.snapshot()))).merge(a);
    expect(viaJson.snapshot()).toEqual(whole.snapshot());
    // Merging does not alias the source.
    a.merge(b);
    expect(b.numDrafts).toBe(2);
  });

  it("rejects impossible rounds", () => {
    const m = new SpecMetrics();
    expect(() => m.record({ proposed: -1, acceptedCount: 0, emitted: 1 })).toThrow(RangeError);
    expect(() => m.record({ proposed: 2, acceptedCount: 3, emitted: 4 })).toThrow(RangeError);
    expect(() => m.record({ proposed: 2, acceptedCount: 1, emitted: 3 })).toThrow(RangeError);
    expect(() => m.record({ proposed: 2, acceptedCount: 1.5, emitted: 2 })).toThrow(RangeError);
    expect(m.numDrafts).toBe(0);
  });

  it("agrees with α = β(p, q) and E[τ] = expectedTau(β, γ) when acceptance is i.i.d.", () => {
    // Same p and q at every position makes acceptances i.i.d. with probability β(p, q).
    const p = [0.4, 0.3, 0.2, 0.1];
    const q = [0.1, 0.2, 0.3, 0.4];
    const beta = tokenAcceptance(p, q); // 0.1 + 0.2 + 0.2 + 0.1 = 0.6
    expect(beta).toBeCloseTo(0.6, 15);
    const gamma = 4;
    const rng = createRng(12);
    const m = new SpecMetrics();
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const draftTokens = Array.from({ length: gamma }, () => rng.categorical(q));
      const res = verifyDraft({
        draftTokens,
        draftProbs: draftTokens.map(() => q),
        targetProbs: Array.from({ length: gamma + 1 }, () => p),
        rng,
      });
      m.record({ proposed: gamma, ...res });
    }
    // Emitted per round has σ ≈ 1.40 here (hand-computed from the truncated geometric law), so the
    // bound on τ is ~5σ; α = accepted / (γ·n) has σ ≈ 1.40 / (4·√n) ≈ 0.0016, so 0.01 is ~6σ.
    expect(Math.abs(m.tau - expectedTau(beta, gamma))).toBeLessThan((5 * 1.5) / Math.sqrt(n));
    // α is accepted/proposed: for truncated-geometric blocks it is below β, namely E[accepted] / γ.
    expect(Math.abs(m.alpha - (expectedTau(beta, gamma) - 1) / gamma)).toBeLessThan(0.01);
    for (const a of m.acceptancePerPosition) expect(Math.abs(a - beta)).toBeLessThan(0.02);
  });
});

describe("closed forms", () => {
  it("expectedTau", () => {
    expect(expectedTau(0, 5)).toBe(1);
    expect(expectedTau(1, 5)).toBe(6);
    expect(expectedTau(0.5, 3)).toBe(1.875); // (1 − 1/16) / 0.5
    expect(expectedTau(0.8, 4)).toBeCloseTo((1 - 0.8 ** 5) / 0.2, 14); // 3.3616
    expect(expectedTau(0.7, 0)).toBe(1);
    expect(expectedTau(1 - 1e-12, 7)).toBeCloseTo(8, 9); // no cancellation near α = 1
    for (const [a, g] of [
      [-0.1, 3],
      [1.1, 3],
      [Number.NaN, 3],
      [0.5, -1],
      [0.5, 1.5],
    ]) {
      expect(() => expectedTau(a, g)).toThrow(RangeError);
    }
  });

  it("tokenAcceptance = Σ min(p, q) = 1 − totalVariation", () => {
    const p = [0.5, 0.3, 0.2];
    const q = Float32Array.from([0.2, 0.6, 0.2]);
    expect(tokenAcceptance([0.5, 0.3, 0.2], [0.2, 0.6, 0.2])).toBeCloseTo(0.7, 15);
    expect(totalVariation([0.5, 0.3, 0.2], [0.2, 0.6, 0.2])).toBeCloseTo(0.3, 15);
    expect(tokenAcceptance(p, q) + totalVariation(p, q)).toBeCloseTo(1, 7);
    expect(tokenAcceptance(p, p)).toBeCloseTo(1, 15);
    expect(totalVariation([1, 0], [0, 1])).toBe(1);
    expect(() => tokenAcceptance([1], [0.5, 0.5])).toThrow(RangeError);
    expect(() => totalVariation([1], [0.5, 0.5])).toThrow(RangeError);
  });

  it("predictedSpeedup = τ / (γc + 1)", () => {
    expect(predictedSpeedup(3, 4, 0.05)).toBeCloseTo(2.5, 15);
    expect(predictedSpeedup(expectedTau(1, 7), 7, 0)).toBe(8);
    expect(() => predictedSpeedup(2, 3, -0.1)).toThrow(RangeError);
    expect(() => predictedSpeedup(Number.NaN, 3, 0.1)).toThrow(RangeError);
  });
});
