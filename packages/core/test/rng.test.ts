import { describe, expect, it } from "vitest";
import { createRng, createRngFromState, type RngState } from "../src/rng.js";

// All statistical checks use fixed seeds: they cannot flake, yet a biased generator would fail them.

function draw(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

function meanVar(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
}

function chiSquare(counts: number[], expected: number[]): number {
  return counts.reduce((sum, c, i) => sum + (c - expected[i]) ** 2 / expected[i], 0);
}

describe("Rng core generator", () => {
  it("matches xoshiro128** outputs derived by hand from state [1, 2, 3, 4]", () => {
    const rng = createRngFromState({ algorithm: "xoshiro128**", s: [1, 2, 3, 4], spareNormal: null });
    // out1 = rotl(2·5, 7)·9 = 11520; state → [7, 0, 1026, 12288]; out2 = 0;
    // state → [12295, 1029, 1029, 25165824]; out3 = rotl(1029·5, 7)·9 = 5927040.
    expect([rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0]);
    expect(rng.getState().s).toEqual([12295, 1029, 1029, 25165824]);
    expect(rng.nextUint32()).toBe(5927040);
  });

  it("is deterministic per seed and differs across seeds", () => {
    const a = draw(100, () => createRng(0).nextUint32());
    expect(new Set(a).size).toBe(1);
    const r1 = createRng(42);
    const r2 = createRng(42);
    const s1 = draw(1000, () => r1.nextUint32());
    expect(draw(1000, () => r2.nextUint32())).toEqual(s1);
    const r3 = createRng(43);
    const s3 = draw(1000, () => r3.nextUint32());
    expect(s3.filter((x, i) => x === s1[i]).length).toBeLessThan(3);
  });

  it("treats number and bigint seeds of the same value alike and accepts 64-bit seeds", () => {
    expect(createRng(123).getState()).toEqual(createRng(123n).getState());
    expect(createRng(-1).getState()).toEqual(createRng((1n << 64n) - 1n).getState());
    expect(createRng(1n << 63n).nextUint32()).not.toBe(createRng(0).nextUint32());
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(1n << 64n)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });

  it("nextUint32 covers the full 32-bit range", () => {
    const rng = createRng(7);
    const xs = draw(10_000, () => rng.nextUint32());
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    expect(Math.max(...xs)).toBeGreaterThan(2 ** 32 * 0.999);
    expect(Math.min(...xs)).toBeLessThan(2 ** 32 * 0.001);
  });
});

describe("Rng distributions", () => {
  it("uniform has mean 1/2 and variance 1/12, within [0, 1), using more than 32 bits", () => {
    const rng = createRng(2024);
    const n = 200_000;
    const xs = draw(n, () => rng.uniform());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const { mean, variance } = meanVar(xs);
    // 5σ bounds: σ(mean) = sqrt(1/12/n) ≈ 6.5e-4; σ(var) = sqrt(1/180/n) ≈ 1.7e-4.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
    // A 32-bit-only generator would leave every x·2^32 an integer.
    expect(xs.some((x) => !Number.isInteger(x * 2 ** 32))).toBe(true);
    // Decile histogram is flat (chi-square, 9 dof, p = 0.001 critical value 27.88).
    const counts = new Array(10).fill(0);
    for (const x of xs) counts[Math.floor(x * 10)]++;
    expect(chiSquare(counts, new Array(10).fill(n / 10))).toBeLessThan(27.88);
  });

  it("normal has mean 0, variance 1 and gaussian tails; honours mean/std", () => {
    const rng = createRng(99);
    const n = 200_000;
    const xs = draw(n, () => rng.normal());
    const { mean, variance } = meanVar(xs);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    const beyond2 = xs.filter((x) => Math.abs(x) > 2).length / n; // 0.0455 for a gaussian
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.003);
    const ys = draw(50_000, () => rng.normal(3, 0.5));
    const m = meanVar(ys);
    expect(Math.abs(m.mean - 3)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(m.variance) - 0.5)).toBeLessThan(0.01);
  });

  it("int(n) is unbiased and in range", () => {
    const rng = createRng(5);
    const n = 70_000;
    const counts = new Array(7).fill(0);
    for (let i = 0; i < n; i++) counts[rng.int(7)]++;
    // 6 dof, p = 0.001 critical value 22.46.
    expect(chiSquare(counts, new Array(7).fill(n / 7))).toBeLessThan(22.46);
    expect(draw(1000, () => rng.int(1)).every((x) => x === 0)).toBe(true);
    const big = draw(1000, () => rng.int(2 ** 40 + 3));
    expect(big.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 40 + 3)).toBe(true);
    expect(Math.max(...big)).toBeGreaterThan(2 ** 32);
    for (const bad of [0, -1, 2.5, Number.NaN, 2 ** 54]) expect(() => rng.int(bad)).toThrow(RangeError);
  });

  it("categorical matches an unnormalised distribution (chi-square) and never picks zero mass", () => {
    const rng = createRng(31337);
    const weights = [1, 2, 0, 3, 4, 10];
    const total = 20;
    const n = 100_000;
    const counts = new Array(weights.length).fill(0);
    for (let i = 0; i < n; i++) counts[rng.categorical(weights)]++;
    expect(counts[2]).toBe(0);
    const nonZero = [0, 1, 3, 4, 5];
    const stat = chiSquare(
      nonZero.map((i) => counts[i]),
      nonZero.map((i) => (n * weights[i]) / total),
    );
    // 4 dof, p = 0.001 critical value 18.47.
    expect(stat).toBeLessThan(18.47);
    // And the check has teeth: the same counts are far from a uniform hypothesis.
    expect(
      chiSquare(
        nonZero.map((i) => counts[i]),
        nonZero.map(() => n / nonZero.length),
      ),
    ).toBeGreaterThan(1000);
  });

  it("categorical accepts typed arrays and rejects invalid distributions", () => {
    const rng = createRng(1);
    expect(rng.categorical(new Float32Array([0, 0, 0.5]))).toBe(2);
    expect(() => rng.categorical([])).toThrow(RangeError);
    expect(() => rng.categorical([0, 0, 0])).toThrow(/all probabilities are zero/);
    expect(() => rng.categorical([0.5, Number.NaN])).toThrow(/probs\[1\] = NaN/);
    expect(() => rng.categorical([0.5, -0.1])).toThrow(RangeError);
    expect(() => rng.categorical([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => rng.categorical([Number.MAX_VALUE, Number.MAX_VALUE])).toThrow(/overflow/);
  });
});

describe("Rng streams and state", () => {
  it("fork(label) is pure, label-dependent, and independent of the parent", () => {
    const parent = createRng(11);
    const before = parent.getState();
    const a1 = parent.fork("weights");
    const a2 = parent.fork("weights");
    const b = parent.fork("data");
    expect(parent.getState()).toEqual(before);
    const xa = draw(1000, () => a1.uniform());
    expect(draw(1000, () => a2.uniform())).toEqual(xa);
    const xb = draw(1000, () => b.uniform());
    const xp = draw(1000, () => parent.uniform());
    expect(Math.abs(correlation(xa, xb))).toBeLessThan(0.15);
    expect(Math.abs(correlation(xa, xp))).toBeLessThan(0.15);
    // The parent's position matters: the same label later gives a different stream.
    expect(parent.fork("weights").uniform()).not.toBe(xa[0]);
  });

  it("split() advances the parent and yields distinct children", () => {
    const parent = createRng(12);
    const before = parent.getState();
    const c1 = parent.split();
    expect(parent.getState()).not.toEqual(before);
    const c2 = parent.split();
    const x1 = draw(1000, () => c1.nextUint32());
    const x2 = draw(1000, () => c2.nextUint32());
    const xp = draw(1000, () => parent.nextUint32());
    expect(x1.filter((x, i) => x === x2[i] || x === xp[i]).length).toBeLessThan(3);
    // Splitting is deterministic too.
    const again = createRng(12).split();
    expect(draw(1000, () => again.nextUint32())).toEqual(x1);
  });

  it("getState/setState resume exactly, including a pending normal variate, through JSON", () => {
    const rng = createRng(77);
    rng.normal(); // leaves the second Box–Muller variate pending
    const saved: RngState = JSON.parse(JSON.stringify(rng.getState()));
    expect(saved.spareNormal).not.toBeNull();
    const expected = [rng.normal(), rng.uniform(), rng.int(1000), rng.categorical([1, 2, 3])];
    const resumed = createRngFromState(saved);
    expect([resumed.normal(), resumed.uniform(), resumed.int(1000), resumed.categorical([1, 2, 3])]).toEqual(
      expected,
    );
    rng.setState(saved);
    expect(rng.normal()).toBe(expected[0]);
  });

  it("setState rejects malformed states", () => {
    const rng = createRng(1);
    const ok = rng.getState();
    expect(() => rng.setState({ ...ok, s: [0, 0, 0, 0] })).toThrow(/degenerate/);
    expect(() => rng.setState({ ...ok, s: [1, 2, 3, 2 ** 32] })).toThrow(TypeError);
    expect(() => rng.setState({ ...ok, s: [1, 2, 3] as unknown as RngState["s"] })).toThrow(TypeError);
    expect(() => rng.setState({ ...ok, algorithm: "pcg32" as "xoshiro128**" })).toThrow(TypeError);
    expect(() => rng.setState({ ...ok, spareNormal: Number.NaN })).toThrow(TypeError);
    expect(rng.getState()).toEqual(ok);
  });
});

function correlation(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
