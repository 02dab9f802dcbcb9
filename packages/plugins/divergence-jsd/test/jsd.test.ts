import { evaluateDivergence } from "@distillspec/plugin-api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { distribution, maxDiff } from "../../../plugin-api/test/support/distributions.js";
import jsdDefault, { jsd } from "../src/index.js";

describe("jsd", () => {
  it("matches β·KL(p ‖ m) + (1−β)·KL(q ‖ m) computed by hand", () => {
    const half = jsd.create({});
    expect(evaluateDivergence(half, [1, 0], [0, 1])).toBeCloseTo(Math.LN2, 15);
    const quarter = jsd.create({ beta: 0.25 });
    // m = [0.25, 0.75]: KL(p ‖ m) = ln 4, KL(q ‖ m) = ln(4/3).
    expect(evaluateDivergence(quarter, [1, 0], [0, 1])).toBeCloseTo(
      0.25 * Math.log(4) + 0.75 * Math.log(4 / 3),
      15,
    );
    const p = [0.7, 0.2, 0.1];
    const q = [0.2, 0.3, 0.5];
    const m = p.map((x, i) => 0.3 * x + 0.7 * q[i]);
    const kl = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * Math.log(x / b[i]), 0);
    expect(evaluateDivergence(jsd.create({ beta: 0.3 }), p, q)).toBeCloseTo(
      0.3 * kl(p, m) + 0.7 * kl(q, m),
      15,
    );
  });

  it("is ≥ 0, 0 exactly when p = q, ≤ ln 2 and symmetric at β = 0.5", () => {
    const d = jsd.create({ beta: 0.5 });
    fc.assert(
      fc.property(distribution(6), distribution(6), (p, q) => {
        expect(evaluateDivergence(d, p, p)).toBeCloseTo(0, 12);
        const v = evaluateDivergence(d, p, q);
        expect(v).toBeGreaterThanOrEqual(-1e-12);
        expect(v).toBeLessThanOrEqual(Math.LN2 + 1e-12);
        if (maxDiff(p, q) > 1e-3) expect(v).toBeGreaterThan(1e-9);
        expect(v).toBeCloseTo(evaluateDivergence(d, q, p), 14);
      }),
    );
  });

  it("swapping p and q is the same as β → 1 − β", () => {
    fc.assert(
      fc.property(
        distribution(5),
        distribution(5),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (p, q, beta) => {
          const a = evaluateDivergence(jsd.create({ beta }), p, q);
          const b = evaluateDivergence(jsd.create({ beta: 1 - beta }), q, p);
          expect(a).toBeCloseTo(b, 12);
        },
      ),
    );
  });

  it("validates options", () => {
    expect(jsdDefault).toBe(jsd);
    expect(jsd.meta.name).toBe("@distillspec/divergence-jsd");
    for (const beta of [0, 1, 2, -0.5, Number.NaN, "0.5"]) {
      expect(() => jsd.create({ beta })).toThrow(/beta must be a number in \(0, 1\)/);
    }
    expect(() => jsd.create({ betta: 0.5 })).toThrow(/unknown option\(s\) betta/);
    expect(() => jsd.create(null)).toThrow(/must be an object/);
  });
});
