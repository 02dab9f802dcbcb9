import fkl from "@distillspec/divergence-fkl";
import { evaluateDivergence } from "@distillspec/plugin-api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { distribution, maxDiff } from "../../../plugin-api/test/support/distributions.js";
import rklDefault, { rkl } from "../src/index.js";

describe("rkl", () => {
  const d = rkl.create({});

  it("matches KL(q ‖ p) computed by hand", () => {
    const expected = 0.2 * Math.log(0.2 / 0.7) + 0.3 * Math.log(0.3 / 0.2) + 0.5 * Math.log(0.5 / 0.1);
    expect(evaluateDivergence(d, [0.7, 0.2, 0.1], [0.2, 0.3, 0.5])).toBeCloseTo(expected, 15);
    // Mode seeking: q = 0 where p > 0 costs nothing, q > 0 where p = 0 costs ∞.
    expect(evaluateDivergence(d, [0.25, 0.25, 0.5], [0.5, 0.5, 0])).toBeCloseTo(Math.LN2, 15);
    expect(evaluateDivergence(d, [1, 0], [0.5, 0.5])).toBe(Infinity);
  });

  it("is ≥ 0, 0 exactly when p = q, and FKL with the arguments swapped", () => {
    const forward = fkl.create({});
    fc.assert(
      fc.property(distribution(6), distribution(6), (p, q) => {
        expect(evaluateDivergence(d, p, p)).toBeCloseTo(0, 12);
        const v = evaluateDivergence(d, p, q);
        expect(v).toBeGreaterThanOrEqual(-1e-12);
        if (maxDiff(p, q) > 1e-3) expect(v).toBeGreaterThan(1e-9);
        expect(v).toBe(evaluateDivergence(forward, q, p));
      }),
    );
  });

  it("is the package's default export and validates options", () => {
    expect(rklDefault).toBe(rkl);
    expect(rkl.meta.name).toBe("@distillspec/divergence-rkl");
    expect(() => rkl.create(3)).toThrow(/no options/);
  });
});
