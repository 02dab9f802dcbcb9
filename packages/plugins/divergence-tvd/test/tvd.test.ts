import { evaluateDivergence } from "@distillspec/plugin-api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { distribution, maxDiff } from "../../../plugin-api/test/support/distributions.js";
import tvdDefault, { tvd } from "../src/index.js";

describe("tvd", () => {
  const d = tvd.create({});

  it("matches ½ Σ |p − q| computed by hand", () => {
    expect(evaluateDivergence(d, [0.7, 0.2, 0.1], [0.2, 0.3, 0.5])).toBeCloseTo(0.5 * (0.5 + 0.1 + 0.4), 15);
    expect(evaluateDivergence(d, [1, 0], [0, 1])).toBe(1);
  });

  it("is ≥ 0, 0 exactly when p = q, symmetric, and 1 − Σ min(p, q)", () => {
    fc.assert(
      fc.property(distribution(6), distribution(6), (p, q) => {
        expect(evaluateDivergence(d, p, p)).toBe(0);
        const v = evaluateDivergence(d, p, q);
        expect(v).toBeGreaterThanOrEqual(0);
        if (maxDiff(p, q) > 1e-3) expect(v).toBeGreaterThan(1e-9);
        expect(v).toBeCloseTo(evaluateDivergence(d, q, p), 15);
        const overlap = p.reduce((a, x, i) => a + Math.min(x, q[i]), 0);
        expect(v).toBeCloseTo(1 - overlap, 12);
      }),
    );
  });

  it("is the package's default export and validates options", () => {
    expect(tvdDefault).toBe(tvd);
    expect(tvd.meta.name).toBe("@distillspec/divergence-tvd");
    expect(() => tvd.create({ x: 1 })).toThrow(/no options/);
  });
});
