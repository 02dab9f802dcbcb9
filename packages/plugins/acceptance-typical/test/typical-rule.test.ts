import { PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { describe, expect, it } from "vitest";
import typical, { createTypicalRule, entropy, TYPICAL_DEFAULTS } from "../src/index.js";

const accepts = (rule: ReturnType<typeof createTypicalRule>, p: number[], token: number, r = 0.5) =>
  rule.accept({ token, p, q: p.map(() => 1 / p.length), r, position: 0 });

describe("typical plugin definition", () => {
  it("is an acceptance-rule plugin named after its package", () => {
    expect(typical.kind).toBe("acceptance-rule");
    expect(typical.id).toBe("typical");
    expect(typical.meta).toEqual({
      name: "@distillspec/acceptance-typical",
      version: "0.1.0",
      apiVersion: PLUGIN_API_VERSION,
    });
    expect(typical.create(undefined).id).toBe("typical:0.09:0.3");
  });
});

describe("typical option validation", () => {
  it("defaults to ε = 0.09, δ = 0.3 (Medusa / vLLM)", () => {
    expect(TYPICAL_DEFAULTS).toEqual({ epsilon: 0.09, delta: 0.3 });
    expect(createTypicalRule({}).id).toBe("typical:0.09:0.3");
    expect(createTypicalRule({ delta: 0.5 }).id).toBe("typical:0.09:0.5");
  });

  it.each([
    [[], /options must be an object/],
    [3, /options must be an object/],
    [{ epsilon: 0 }, /option "epsilon" must be a number in \(0, 1\], got 0/],
    [{ epsilon: 1.5 }, /option "epsilon" .* got 1.5/],
    [{ epsilon: "0.1" }, /option "epsilon" .* got "0.1"/],
    [{ delta: 0 }, /option "delta" must be a finite number > 0, got 0/],
    [{ delta: Number.POSITIVE_INFINITY }, /option "delta" .* got Infinity/],
    [{ delta: -1 }, /option "delta" .* got -1/],
    [{ threshold: 0.1 }, /unknown option "threshold"/],
  ])("rejects %j", (options, message) => {
    expect(() => createTypicalRule(options)).toThrow(RangeError);
    expect(() => createTypicalRule(options)).toThrow(message);
  });
});

describe("typical accept decisions", () => {
  it("computes entropy in nats", () => {
    expect(entropy([0.5, 0.25, 0.25, 0])).toBeCloseTo(1.5 * Math.LN2, 12);
    expect(entropy([1, 0, 0])).toBe(0);
  });

  it("confident target: ε caps the threshold", () => {
    // p = [0.9, 0.05, 0.05, 0]: H ≈ 0.3944, δ·e^−H ≈ 0.2022 → threshold min(0.09, 0.2022) = 0.09
    const rule = createTypicalRule({});
    const p = [0.9, 0.05, 0.05, 0];
    expect(accepts(rule, p, 0)).toBe(true);
    expect(accepts(rule, p, 1)).toBe(false);
    expect(accepts(rule, p, 3)).toBe(false);
    // ε = 1 lifts the cap: threshold ≈ 0.2022, still under 0.9
    expect(accepts(createTypicalRule({ epsilon: 1 }), p, 0)).toBe(true);
  });

  it("uncertain target: the entropy term sets the threshold", () => {
    // p = [0.6, 0.1 × 4]: H ≈ 1.2275, e^−H ≈ 0.2930
    const p = [0.6, 0.1, 0.1, 0.1, 0.1];
    expect(Math.exp(-entropy(p))).toBeCloseTo(0.29302, 4);
    // δ = 0.3 → 0.0879 < 0.1 → accept; δ = 0.35 → 0.1026 > 0.1 → reject (ε = 0.2 doesn't bind)
    expect(accepts(createTypicalRule({ epsilon: 0.2, delta: 0.3 }), p, 2)).toBe(true);
    expect(accepts(createTypicalRule({ epsilon: 0.2, delta: 0.35 }), p, 2)).toBe(false);
  });

  it("ignores q and r", () => {
    const rule = createTypicalRule({});
    const p = [0.7, 0.3];
    for (const r of [0, 0.5, 0.9999]) {
      expect(rule.accept({ token: 1, p, q: [0, 1], r, position: 0 })).toBe(true);
      expect(rule.accept({ token: 1, p, q: [1, 0], r, position: 3 })).toBe(true);
    }
  });

  it("the comparison is strict: p(x) equal to the threshold rejects", () => {
    // Uniform over 4: threshold min(ε, δ/4); with δ = 1, ε = 0.25 both equal p(x) = 0.25.
    const rule = createTypicalRule({ epsilon: 0.25, delta: 1 });
    expect(accepts(rule, [0.25, 0.25, 0.25, 0.25], 0)).toBe(false);
  });
});
