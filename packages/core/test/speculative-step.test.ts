import { describe, expect, it } from "vitest";
import type { AcceptanceRule } from "../src/acceptance-rule.js";
import { losslessRule } from "../src/lossless-rule.js";
import { residualDistribution } from "../src/residual-distribution.js";
import { createRng, type Rng } from "../src/rng.js";
import { argmax } from "../src/sample-token.js";
import { verifyDraft } from "../src/speculative-step.js";
import { scriptedRng } from "./helpers/scripted-rng.js";

const P = [0.5, 0.3, 0.2];
const Q = [0.2, 0.6, 0.2];

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

describe("losslessRule", () => {
  const accept = (token: number, p: number[], q: number[], r: number) =>
    losslessRule.accept({ token, p, q, r, position: 0 });

  it("accepts iff r < min(1, p(x)/q(x)): token 1 of p=[.5,.3,.2], q=[.2,.6,.2] has probability 0.5", () => {
    expect(accept(1, P, Q, 0)).toBe(true);
    expect(accept(1, P, Q, 0.4999999)).toBe(true);
    expect(accept(1, P, Q, 0.5)).toBe(false);
    expect(accept(1, P, Q, 0.9)).toBe(false);
  });

  it("always accepts when p(x) ≥ q(x), including p = q", () => {
    expect(accept(0, P, Q, 0.9999999999)).toBe(true); // ratio 2.5
    expect(accept(2, P, Q, 0.9999999999)).toBe(true); // ratio 1
    for (let t = 0; t < 3; t++) expect(accept(t, P, P, 1 - 2 ** -53)).toBe(true);
  });

  it("p(x) = 0 always rejects; q(x) = 0 accepts iff p(x) > 0", () => {
    expect(accept(2, [0.5, 0.5, 0], [0.2, 0.3, 0.5], 0)).toBe(false);
    expect(accept(2, [0.5, 0.3, 0.2], [0.4, 0.6, 0], 0.999)).toBe(true);
    expect(accept(2, [0.5, 0.5, 0], [0.4, 0.6, 0], 0)).toBe(false);
  });
});

describe("residualDistribution", () => {
  it("is norm(max(0, p − q))", () => {
    expectClose(residualDistribution(P, Q), [1, 0, 0]);
    // p − q = [0.3, 0.1, −0.4] → [0.75, 0.25, 0].
    expectClose(residualDistribution([0.5, 0.3, 0.2], [0.2, 0.2, 0.6]), [0.75, 0.25, 0]);
    // Residual covers tokens the draft can never propose (q = 0).
    expectClose(residualDistribution([0.25, 0.25, 0.5], [0.5, 0.5, 0]), [0, 0, 1]);
  });

  it("falls back to norm(p) when the residual is empty (p = q, or float noise puts p ≤ q)", () => {
    expectClose(residualDistribution(P, P), P);
    const q = Float32Array.from([0.5, 0.3, 0.2]);
    const p = q.map((x) => x * (1 - 1e-7)); // p sums a hair below 1
    expectClose(
      residualDistribution(p, q),
      Array.from(q, (x) => x / (q[0] + q[1] + q[2])),
      7,
    );
  });

  it("rejects mismatched lengths and massless targets", () => {
    expect(() => residualDistribution([1, 0], [1, 0, 0])).toThrow(RangeError);
    expect(() => residualDistribution([0, 0], [0.5, 0.5])).toThrow(RangeError);
  });
});

describe("verifyDraft (sampling)", () => {
  it("accepts token 1 when r = 0.49 and emits the bonus from p_{γ+1}", () => {
    const p2 = [0.1, 0.1, 0.8];
    const rng = scriptedRng([0.49], [2]);
    const res = verifyDraft({ draftTokens: [1], draftProbs: [Q], targetProbs: [P, p2], rng });
    expect(res).toEqual({ acceptedCount: 1, emitted: [1, 2], accepted: [true], bonus: true });
    expect(rng.uniformCalls).toBe(1);
    expect(rng.categoricalCalls).toEqual([p2]);
  });

  it("rejects token 1 when r = 0.5 and draws the recovered token from the residual [1, 0, 0]", () => {
    const rng = scriptedRng([0.5], [0]);
    const res = verifyDraft({ draftTokens: [1], draftProbs: [Q], targetProbs: [P, [0, 0, 1]], rng });
    expect(res).toEqual({ acceptedCount: 0, emitted: [0], accepted: [false], bonus: false });
    expect(rng.categoricalCalls).toHaveLength(1);
    expectClose(rng.categoricalCalls[0], [1, 0, 0]);
  });

  it("stops at the first rejection: γ = 3, rejected at position 2, one uniform per examined position", () => {
    const q2 = [0.1, 0.1, 0.8];
    const p2 = [0.3, 0.5, 0.2]; // token 2: ratio 0.25; residual of p2 − q2 = [0.2, 0.4, 0] → [1/3, 2/3, 0]
    const rng = scriptedRng([0.9, 0.3], [1]);
    const res = verifyDraft({
      draftTokens: [0, 2, 1],
      draftProbs: [Q, q2, Q],
      targetProbs: [P, p2, P, P],
      rng,
    });
    expect(res).toEqual({ acceptedCount: 1, emitted: [0, 1], accepted: [true, false], bonus: false });
    expect(rng.uniformCalls).toBe(2);
    expect(rng.categoricalCalls).toHaveLength(1);
    expectClose(rng.categoricalCalls[0], [1 / 3, 2 / 3, 0]);
  });

  it("all accepted → bonus drawn from p_{γ+1}, not p_γ", () => {
    const p4 = [0.05, 0.9, 0.05];
    const rng = scriptedRng([0.999, 0.999, 0.999], [1]);
    const res = verifyDraft({
      draftTokens: [0, 2, 2],
      draftProbs: [Q, P, Q],
      targetProbs: [P, P, P, p4], // ratios 2.5, 1, 1
      rng,
    });
    expect(res).toEqual({
      acceptedCount: 3,
      emitted: [0, 2, 2, 1],
      accepted: [true, true, true],
      bonus: true,
    });
    expect(rng.categoricalCalls).toEqual([p4]);
  });

  it("p(x) = 0 rejects even with r = 0; q(x) = 0 with p(x) > 0 accepts", () => {
    const rngA = scriptedRng([0], [0]);
    const a = verifyDraft({
      draftTokens: [2],
      draftProbs: [[0.2, 0.3, 0.5]],
      targetProbs: [[0.5, 0.5, 0], P],
      rng: rngA,
    });
    expect(a.accepted).toEqual([false]);
    expectClose(rngA.categoricalCalls[0], [0.6, 0.4, 0]); // residual [0.3, 0.2, 0] normalised
    const rngB = scriptedRng([0.99], [0]);
    const b = verifyDraft({ draftTokens: [2], draftProbs: [[0.5, 0.5, 0]], targetProbs: [P, P], rng: rngB });
    expect(b).toMatchObject({ acceptedCount: 1, bonus: true });
  });

  it("γ = 0 is a plain target step: no uniform, one draw from p_1", () => {
    const rng = scriptedRng([], [2]);
    expect(verifyDraft({ draftTokens: [], draftProbs: [], targetProbs: [P], rng })).toEqual({
      acceptedCount: 0,
      emitted: [2],
      accepted: [],
      bonus: true,
    });
    expect(rng.categoricalCalls).toEqual([P]);
  });

  it("validates shapes and token ids", () => {
    const rng = scriptedRng([]);
    expect(() => verifyDraft({ draftTokens: [1], draftProbs: [], targetProbs: [P, P], rng })).toThrow(
      RangeError,
    );
    expect(() => verifyDraft({ draftTokens: [1], draftProbs: [Q], targetProbs: [P], rng })).toThrow(
      RangeError,
    );
    expect(() => verifyDraft({ draftTokens: [3], draftProbs: [Q], targetProbs: [P, P], rng })).toThrow(
      /outside/,
    );
    expect(() =>
      verifyDraft({ draftTokens: [1], draftProbs: [[0.5, 0.5]], targetProbs: [P, P], rng }),
    ).toThrow(/vocab/);
  });
});

describe("verifyDraft (greedy)", () => {
  const noRandomness = () => scriptedRng([], []);

  it("accepts iff x_i = argmax p_i, recovers argmax p_i, bonus argmax p_{γ+1}, draws nothing", () => {
    const p1 = [0.2, 0.5, 0.3];
    const p2 = [0.4, 0.4, 0.2]; // tie → token 0
    const p3 = [0.1, 0.2, 0.7];
    const all = verifyDraft({
      draftTokens: [1, 0],
      draftProbs: [Q, Q],
      targetProbs: [p1, p2, p3],
      rng: noRandomness(),
      greedy: true,
    });
    expect(all).toEqual({ acceptedCount: 2, emitted: [1, 0, 2], accepted: [true, true], bonus: true });
    const rej = verifyDraft({
      draftTokens: [1, 1],
      draftProbs: [Q, Q],
      targetProbs: [p1, p2, p3],
      rng: noRandomness(),
      greedy: true,
    });
    expect(rej).toEqual({ acceptedCount: 1, emitted: [1, 0], accepted: [true, false], bonus: false });
    // Greedy ignores the draft probabilities entirely: even q(x) = 0 is accepted when x is the target argmax.
    const zeroQ = verifyDraft({
      draftTokens: [1],
      draftProbs: [[1, 0, 0]],
      targetProbs: [p1, p3],
      rng: noRandomness(),
      greedy: true,
    });
    expect(zeroQ.emitted).toEqual([1, 2]);
  });

  it("reproduces target-only greedy decoding token for token, whatever the draft proposes", () => {
    const rng = createRng(2718);
    const vocab = 5;
    const target = (prefix: number[]) => {
      const r = createRng(1).fork(prefix.join(","));
      return Array.from({ length: vocab }, () => Math.floor(r.uniform() * 4) / 4); // many ties
    };
    const reference: number[] = [];
    while (reference.length < 40) reference.push(argmax(target(reference)));
    for (let trial = 0; trial < 50; trial++) {
      const out: number[] = [];
      while (out.length < 40) {
        const gamma = rng.int(5);
        // A draft that is right about half the time.
        const draftTokens: number[] = [];
        for (let i = 0; i < gamma; i++) {
          const ctx = [...out, ...draftTokens];
          draftTokens.push(rng.uniform() < 0.5 ? argmax(target(ctx)) : rng.int(vocab));
        }
        const targetProbs = Array.from({ length: gamma + 1 }, (_, i) =>
          target([...out, ...draftTokens.slice(0, i)]),
        );
        const draftProbs = draftTokens.map((t) => Array.from({ length: vocab }, (_, j) => (j === t ? 1 : 0)));
        out.push(
          ...verifyDraft({ draftTokens, draftProbs, targetProbs, rng: noRandomness(), greedy: true }).emitted,
        );
      }
      expect(out.slice(0, 40)).toEqual(reference);
    }
  });
});

describe("verifyDraft with pluggable rules", () => {
  /** The paper's f_exp lossy rule: accept iff r < min(1, p(x)^ε / q(x)). */
  const lossyExp = (eps: number): AcceptanceRule => ({
    id: `lossy-exp:${eps}`,
    accept: ({ token, p, q, r }) => r < Math.min(1, p[token] ** eps / q[token]),
  });

  function randomRound(rng: Rng, vocab: number, gamma: number) {
    const dist = () => {
      const w = Array.from({ length: vocab }, () => rng.uniform() ** 2);
      const s = w.reduce((a, b) => a + b, 0);
      return w.map((x) => x / s);
    };
    const draftProbs = Array.from({ length: gamma }, dist);
    const draftTokens = draftProbs.map((q) => rng.categorical(q));
    const targetProbs = Array.from({ length: gamma + 1 }, dist);
    return { draftTokens, draftProbs, targetProbs };
  }

  it("a lossy rule with ε = 1 consumes the same draws and gives identical output to lossless", () => {
    const setup = createRng(77);
    for (let round = 0; round < 2000; round++) {
      const input = randomRound(setup, 6, 4);
      const a = createRng(round);
      const b = createRng(round);
      const ra = verifyDraft({ ...input, rule: losslessRule, rng: a });
      const rb = verifyDraft({ ...input, rule: lossyExp(1), rng: b });
      expect(rb).toEqual(ra);
      expect(b.getState()).toEqual(a.getState());
    }
  });

  it("a lenient rule (ε < 1) with the same draws never accepts fewer tokens", () => {
    const setup = createRng(78);
    let extra = 0;
    for (let round = 0; round < 2000; round++) {
      const input = randomRound(setup, 6, 4);
      const lossless = verifyDraft({ ...input, rng: createRng(round) });
      const lossy = verifyDraft({ ...input, rule: lossyExp(0.3), rng: createRng(round) });
      expect(lossy.acceptedCount).toBeGreaterThanOrEqual(lossless.acceptedCount);
      extra += lossy.acceptedCount - lossless.acceptedCount;
    }
    expect(extra).toBeGreaterThan(100);
  });

  it("passes r and the position to the rule and uses its recover() when given", () => {
    const seen: { r: number; position: number }[] = [];
    const rule: AcceptanceRule = {
      id: "test",
      accept: ({ r, position }) => {
        seen.push({ r, position });
        return position < 1;
      },
      recover: () => [0, 0, 1],
    };
    const rng = scriptedRng([0.25, 0.75], [2]);
    const res = verifyDraft({
      draftTokens: [0, 0, 0],
      draftProbs: [P, P, P],
      targetProbs: [P, P, P, P],
      rule,
      rng,
    });
    expect(seen).toEqual([
      { r: 0.25, position: 0 },
      { r: 0.75, position: 1 },
    ]);
    expect(rng.categoricalCalls).toEqual([[0, 0, 1]]);
    expect(res.emitted).toEqual([0, 2]);
  });
});
