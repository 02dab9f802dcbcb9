import { evaluateDivergence } from "@distillspec/plugin-api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { distribution, maxDiff } from "../../../plugin-api/test/support/distributions.js";
import fklDefault, { fkl } from "../src/index.js";

describe("fkl", () => {
  const d = fkl.create({});

  it("matches KL(p ‖ q) computed by hand", () => {
    const expected = 0.7 * Math.log(0.7 / 0.2) + 0.2 * Math.log(0.2 / 0.3) + 0.1 * Math.log(0.1 / 0.5);
    expect(evaluateDivergence(d, [0.7, 0.2, 0.1], [0.2, 0.3, 0.5])).toBeCloseTo(expected, 15);
    // 0·log 0 = 0 where p = 0; ∞ where p > 0 = q.
    expect(evaluateDivergence(d, [0.5, 0.5, 0], [0.25, 0.25, 0.5])).toBeCloseTo(Math.LN2, 15);
    expect(evaluateDivergence(d, [0.5, 0.5], [1, 0])).toBe(Infinity);
  });

  it("is ≥ 0 and 0 exactly when p = q", () => {
    fc.assert(
      fc.property(distribution(6), distribution(6), (p, q) => {
        expect(evaluateDivergence(d, p, p)).toBeCloseTo(0, 12);
        const v = evaluateDivergence(d, p, q);
        expect(v).toBeGreaterThanOrEqual(-1e-12);
        if (maxDiff(p, q) > 1e-3) expect(v).toBeGreaterThan(1e-9);
      }),
    );
  });

  it("is the package's default export and validates options", () => {
    expect(fklDefault).toBe(fkl);
    expect(fkl.kind).toBe("divergence");
    expect(fkl.meta.name).toBe("@distillspec/divergence-fkl");
    expect(() => fkl.create({ beta: 1 })).toThrow(/no options/);
    expect(fkl.create(undefined).id).toBe("fkl");
  });
});
