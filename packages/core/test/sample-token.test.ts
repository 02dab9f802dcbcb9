import { describe, expect, it } from "vitest";
import { createRng } from "../src/rng.js";
import { argmax, sampleToken } from "../src/sample-token.js";
import { chiSquareTest } from "./helpers/chi-square.js";

describe("argmax", () => {
  it("returns the largest index, lowest id on ties, skipping NaN", () => {
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(argmax(Float32Array.from([0.4, 0.2, 0.4]))).toBe(0);
    expect(argmax([Number.NaN, 0.1, 0.1])).toBe(1);
    expect(argmax([-Infinity, -Infinity])).toBe(0);
    expect(() => argmax([])).toThrow(RangeError);
    expect(() => argmax([Number.NaN])).toThrow(RangeError);
  });
});

describe("sampleToken", () => {
  it("follows the distribution and never draws zero-probability tokens", () => {
    const rng = createRng(11);
    const probs = Float32Array.from([0.1, 0, 0.6, 0.3]);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 50_000; i++) counts[sampleToken(probs, rng)]++;
    const r = chiSquareTest(counts, [0.1, 0, 0.6, 0.3]);
    expect(r.impossible).toBe(0);
    expect(r.pValue).toBeGreaterThan(0.001);
  });

  it("returns the hot token of a one-hot distribution", () => {
    const rng = createRng(3);
    for (let i = 0; i < 100; i++) expect(sampleToken([0, 0, 1, 0], rng)).toBe(2);
  });
});
