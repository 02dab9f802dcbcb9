import { describe, expect, it } from "vitest";
import { DEFAULT_DRAFT_CONFIG, type ModelConfig } from "../src/config.js";
import { initWeights } from "../src/init-weights.js";
import { referenceForward, referenceRmsNorm, referenceRotary } from "../src/reference-forward.js";
import { type Weights, weightSpecs } from "../src/weight-spec.js";

// Tiny model: width 4, two heads of size 2, so rotary is a plain 2-D rotation by angle t (freq_0 = 1).
const tiny: ModelConfig = {
  name: "tiny",
  vocabSize: 3,
  contextLength: 8,
  layers: 1,
  heads: 2,
  width: 4,
  ffnHidden: 2,
  ropeTheta: 10000,
  normEps: 1e-5,
};
const EMB = [
  [1, 2, 3, 4],
  [0, 1, 0, -1],
  [2, 0, 0, 0],
];

/** Weights with every tensor zero except those given (row-major, [in][out]) and norm gains of 1. */
function handWeights(given: Record<string, number[][] | number[]>): Weights {
  const w: Weights = new Map();
  for (const spec of weightSpecs(tiny)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const v = given[spec.name];
    w.set(
      spec.name,
      v ? Float32Array.from(v.flat()) : new Float32Array(size).fill(spec.init === "ones" ? 1 : 0),
    );
  }
  return w;
}

const identity4 = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];
// x @ SHIFT = [x3, x0, x1, x2]: not symmetric, so a transposed weight layout would show.
const SHIFT = [
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
  [1, 0, 0, 0],
];

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((s, x, i) => s + x * b[i], 0);
const norm = (x: number[]) => {
  const r = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + 1e-5);
  return x.map((v) => v * r);
};
const rot = ([a, b]: number[], angle: number) => [
  a * Math.cos(angle) - b * Math.sin(angle),
  b * Math.cos(angle) + a * Math.sin(angle),
];

describe("referenceForward, checked by hand", () => {
  it("with attention and FFN outputs zeroed, logits are rmsnorm(emb) · emb (tied head)", () => {
    const w = handWeights({ tok_emb: EMB, final_norm: [1, 0.5, 2, 1] });
    const [logits] = referenceForward(tiny, w, [0]);
    // x = [1,2,3,4]: mean(x²) = 30/4 = 7.5; gained x = [1, 1, 6, 4];
    // logits = [1·1+1·2+6·3+4·4, 1·1−4·1, 1·2] / sqrt(7.5 + 1e-5) = [37, −3, 2] / sqrt(7.5 + 1e-5).
    const r = Math.sqrt(7.5 + 1e-5);
    expect(Array.from(logits)).toEqual([37 / r, -3 / r, 2 / r].map((v) => expect.closeTo(v, 13)));
  });

  it("matches a scalar re-derivation with rotary attention and a SwiGLU FFN over two positions", () => {
    const w = handWeights({
      tok_emb: EMB,
      "l0.wq": identity4,
      "l0.wk": identity4,
      "l0.wv": SHIFT,
      "l0.wo": identity4.map((row) => row.map((x) => 0.5 * x)),
      // gate = [h0, h1]; up = [h0+h1+h2+h3, h2]; down maps [a0, a1] to [a0, 0, 0, 2·a1]
      "l0.w_gate": [
        [1, 0],
        [0, 1],
        [0, 0],
        [0, 0],
      ],
      "l0.w_up": [
        [1, 0],
        [1, 0],
        [1, 1],
        [1, 0],
      ],
      "l0.w_down": [
        [1, 0, 0, 0],
        [0, 0, 0, 2],
      ],
    });
    const tokens = [0, 1];
    const got = referenceForward(tiny, w, tokens);

    const x = tokens.map((id) => [...EMB[id]]);
    const h = x.map(norm);
    const v = h.map((r) => [r[3], r[0], r[1], r[2]]);
    const attnOut = tokens.map((_, t) => {
      const out: number[] = [];
      for (const base of [0, 2]) {
        const q = rot(h[t].slice(base, base + 2), t);
        const scores = tokens
          .slice(0, t + 1)
          .map((_, s) => dot(q, rot(h[s].slice(base, base + 2), s)) / Math.SQRT2);
        const e = scores.map(Math.exp);
        const z = e.reduce((a, b) => a + b, 0);
        out.push(...[0, 1].map((i) => e.reduce((acc, es, s) => acc + (es / z) * v[s][base + i], 0)));
      }
      return out;
    });
    const silu = (z: number) => z / (1 + Math.exp(-z));
    const expected = x.map((row, t) => {
      const x1 = row.map((val, i) => val + 0.5 * attnOut[t][i]);
      const hf = norm(x1);
      const a0 = silu(hf[0]) * (hf[0] + hf[1] + hf[2] + hf[3]);
      const a1 = silu(hf[1]) * hf[2];
      const x2 = [x1[0] + a0, x1[1], x1[2], x1[3] + 2 * a1];
      const out = norm(x2);
      return EMB.map((e) => dot(out, e));
    });
    expect(got.length).toBe(2);
    for (let t = 0; t < 2; t++) {
      expect(Array.from(got[t])).toEqual(expected[t].map((val) => expect.closeTo(val, 12)));
    }
    // Position 1 really attends to both tokens: dropping token 0 changes its logits.
    expect(Array.from(referenceForward(tiny, w, [1])[0])).not.toEqual(Array.from(got[1]));
  });
});

describe("rotary and rmsnorm pieces", () => {
  it("rotary at position 0 is the identity", () => {
    const v = [0.3, -1.2, 2.5, 4, -0.7, 0.01];
    expect(Array.from(referenceRotary(v, 0, 10000))).toEqual(v);
  });

  it("rotary pairs element i with i + dh/2 at frequency θ^(-2i/dh)", () => {
    const got = referenceRotary([1, 2, 3, 4], 2, 10000);
    // i = 0: freq 1, angle 2; i = 1: freq 10000^(-1/2) = 0.01, angle 0.02.
    const [c0, s0, c1, s1] = [Math.cos(2), Math.sin(2), Math.cos(0.02), Math.sin(0.02)];
    const want = [1 * c0 - 3 * s0, 2 * c1 - 4 * s1, 3 * c0 + 1 * s0, 4 * c1 + 2 * s1];
    expect(Array.from(got)).toEqual(want.map((x) => expect.closeTo(x, 14)));
  });

  it("rotary makes q·k depend only on the relative position", () => {
    const q = [0.5, -1, 2, 0.25, 1.5, -0.75, 0.3, 1];
    const k = [1, 0.2, -0.4, 2, -1, 0.6, 0.9, -0.3];
    const score = (m: number, n: number) => dot(referenceRotary(q, m, 10000), referenceRotary(k, n, 10000));
    expect(score(7, 3)).toBeCloseTo(score(4, 0), 12);
    expect(score(12, 9)).toBeCloseTo(score(3, 0), 12);
    expect(score(5, 3)).not.toBeCloseTo(score(4, 3), 3);
  });

  it("rmsnorm divides by the root mean square plus eps and applies the gain", () => {
    const got = referenceRmsNorm([3, 4], [1, 2], 0.5); // mean(x²) = 12.5, +0.5 → sqrt(13)
    expect(Array.from(got)).toEqual([3 / Math.sqrt(13), 8 / Math.sqrt(13)].map((x) => expect.closeTo(x, 15)));
  });
});

describe("referenceForward behaviour", () => {
  const config: ModelConfig = {
    ...DEFAULT_DRAFT_CONFIG,
    vocabSize: 64,
    contextLength: 12,
    width: 32,
    ffnHidden: 48,
  };
  // Scale the init up so attention is far from uniform and every position mixes visibly.
  const weights = initWeights(config, 3);
  for (const [name, t] of weights) {
    if (!name.endsWith("norm")) for (let i = 0; i < t.length; i++) t[i] *= 20;
  }

  it("is causal: logits at t do not change when later tokens change", () => {
    const a = referenceForward(config, weights, [5, 9, 2, 33, 7, 1, 60]);
    const b = referenceForward(config, weights, [5, 9, 2, 33, 40, 0, 12]);
    const prefix = referenceForward(config, weights, [5, 9, 2, 33]);
    for (let t = 0; t < 4; t++) {
      expect(b[t]).toEqual(a[t]);
      expect(prefix[t]).toEqual(a[t]);
    }
    for (let t = 4; t < 7; t++) expect(b[t]).not.toEqual(a[t]);
    // ...and later positions do see earlier tokens.
    const c = referenceForward(config, weights, [6, 9, 2, 33, 7, 1, 60]);
    expect(c[6]).not.toEqual(a[6]);
  });

  it("returns [T][vocab] finite logits", () => {
    const out = referenceForward(config, weights, [1, 2, 3]);
    expect(out.map((r) => r.length)).toEqual([64, 64, 64]);
    expect(out.every((r) => r.every(Number.isFinite))).toBe(true);
    expect(referenceForward(config, weights, [])).toEqual([]);
  });

  it("validates token ids, sequence length and weights", () => {
    expect(() => referenceForward(config, weights, [1, 64])).toThrow(
      new RangeError("token id 64 at position 1 is not an integer in [0, 64)"),
    );
    expect(() => referenceForward(config, weights, [-1])).toThrow(/token id -1 at position 0/);
    expect(() => referenceForward(config, weights, [0, 1.5])).toThrow(/token id 1.5 at position 1/);
    expect(() => referenceForward(config, weights, new Array(13).fill(0))).toThrow(
      /13 tokens exceed config.contextLength 12/,
    );
    const missing = new Map(weights);
    missing.delete("l1.w_up");
    expect(() => referenceForward(config, missing, [0])).toThrow(/missing weight l1.w_up/);
    expect(() => referenceForward({ ...config, heads: 5 }, weights, [0])).toThrow(/heads/);
  });
});
