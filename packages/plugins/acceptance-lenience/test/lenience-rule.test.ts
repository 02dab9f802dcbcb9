import { type AcceptanceRule, createRng, losslessRule } from "@distillspec/core";
import { PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { describe, expect, it } from "vitest";
import lenience, { createLenienceRule, type LenienceFunction } from "../src/index.js";

const FUNCTIONS: LenienceFunction[] = ["lin", "sq", "exp"];

function decide(rule: AcceptanceRule, px: number, qx: number, r: number): boolean {
  return rule.accept({ token: 0, p: [px, 1 - px], q: [qx, 1 - qx], r, position: 0 });
}

describe("lenience plugin definition", () => {
  it("is an acceptance-rule plugin named after its package", () => {
    expect(lenience.kind).toBe("acceptance-rule");
    expect(lenience.id).toBe("lenience");
    expect(lenience.meta).toEqual({
      name: "@distillspec/acceptance-lenience",
      version: "0.1.0",
      apiVersion: PLUGIN_API_VERSION,
    });
    expect(lenience.create({ f: "exp", epsilon: 0.5 }).id).toBe("lenience-exp:0.5");
  });
});

describe("lenience option validation", () => {
  it.each([
    [undefined, /options must be an object/],
    [null, /options must be an object/],
    [[], /options must be an object/],
    ["exp", /options must be an object/],
    [{ epsilon: 0.5 }, /option "f" .* got undefined/],
    [{ f: "cubic", epsilon: 0.5 }, /option "f" .* got "cubic"/],
    [{ f: "exp" }, /option "epsilon" .* got undefined/],
    [{ f: "exp", epsilon: 0 }, /option "epsilon" must be a number in \(0, 1\], got 0/],
    [{ f: "lin", epsilon: -0.5 }, /option "epsilon" .* got -0.5/],
    [{ f: "sq", epsilon: 1.01 }, /option "epsilon" .* got 1.01/],
    [{ f: "sq", epsilon: Number.NaN }, /option "epsilon" .* got NaN/],
    [{ f: "sq", epsilon: "0.5" }, /option "epsilon" .* got "0.5"/],
    [{ f: "exp", epsilon: 0.5, gamma: 3 }, /unknown option "gamma"/],
  ])("rejects %j", (options, message) => {
    expect(() => createLenienceRule(options)).toThrow(RangeError);
    expect(() => createLenienceRule(options)).toThrow(message);
  });

  it("accepts ε at the closed end and tiny ε", () => {
    expect(createLenienceRule({ f: "lin", epsilon: 1 }).id).toBe("lenience-lin:1");
    expect(createLenienceRule({ f: "exp", epsilon: 1e-9 }).id).toBe("lenience-exp:1e-9");
  });
});

describe("lenience accept decisions", () => {
  // p(x) = 0.2, q(x) = 0.5: lossless threshold p/q = 0.4.
  it("f_lin, ε = 0.5: threshold (0.2 / 0.5) / 0.5 = 0.8", () => {
    const rule = createLenienceRule({ f: "lin", epsilon: 0.5 });
    expect(decide(rule, 0.2, 0.5, 0.79)).toBe(true);
    expect(decide(rule, 0.2, 0.5, 0.81)).toBe(false);
  });

  it("f_sq, ε = 0.5: threshold min(1, (0.2 / 0.25) / 0.5 = 1.6) = 1", () => {
    const rule = createLenienceRule({ f: "sq", epsilon: 0.5 });
    expect(decide(rule, 0.2, 0.5, 0.999999)).toBe(true);
    // ε = 0.8: 0.2 / 0.64 / 0.5 = 0.625
    const milder = createLenienceRule({ f: "sq", epsilon: 0.8 });
    expect(decide(milder, 0.2, 0.5, 0.62)).toBe(true);
    expect(decide(milder, 0.2, 0.5, 0.63)).toBe(false);
  });

  it("f_exp, ε = 0.5: threshold √0.2 / 0.5 ≈ 0.8944", () => {
    const rule = createLenienceRule({ f: "exp", epsilon: 0.5 });
    expect(decide(rule, 0.2, 0.5, 0.894)).toBe(true);
    expect(decide(rule, 0.2, 0.5, 0.895)).toBe(false);
  });

  it("p(x) = 0 always rejects and q(x) = 0 (with p(x) > 0) always accepts, for every f", () => {
    for (const f of FUNCTIONS) {
      const rule = createLenienceRule({ f, epsilon: 0.05 });
      expect(decide(rule, 0, 0.5, 0)).toBe(false);
      expect(decide(rule, 0, 0, 0)).toBe(false);
      expect(decide(rule, 0.3, 0, 0.999)).toBe(true);
    }
  });

  it("smaller ε never rejects what a larger ε accepts", () => {
    const rng = createRng(7n);
    for (const f of FUNCTIONS) {
      const rules = [1, 0.5, 0.2, 0.05].map((epsilon) => createLenienceRule({ f, epsilon }));
      for (let n = 0; n < 500; n++) {
        const px = rng.uniform();
        const qx = rng.uniform();
        const r = rng.uniform();
        const verdicts = rules.map((rule) => decide(rule, px, qx, r));
        for (let i = 1; i < verdicts.length; i++) if (verdicts[i - 1]) expect(verdicts[i]).toBe(true);
      }
    }
  });
});

describe("ε = 1 is lossless", () => {
  it.each(FUNCTIONS)("f_%s accepts exactly when the lossless rule does, over an r grid", (f) => {
    const rule = createLenienceRule({ f, epsilon: 1 });
    const rng = createRng(42n);
    const cases: [number, number][] = [
      [0, 0],
      [0, 0.3],
      [0.3, 0],
      [0.25, 0.5],
      [0.5, 0.25],
      [0.3, 0.3],
      [1, 1],
      [1e-12, 0.9],
    ];
    for (let n = 0; n < 200; n++) cases.push([rng.uniform(), rng.uniform()]);
    const grid: number[] = [];
    for (let i = 0; i <= 1000; i++) grid.push(i / 1000);
    const mismatches: string[] = [];
    let checked = 0;
    for (const [px, qx] of cases) {
      // Also probe r right at and around the lossless threshold, where any rounding difference would show.
      const t = qx > 0 ? px / qx : 0;
      const rs = [...grid, t, Math.max(0, t - Number.EPSILON), t + Number.EPSILON];
      for (const r of rs) {
        const args = { token: 1, p: [0.1, px, 0.2], q: [0.4, qx, 0.1], r, position: 2 };
        checked++;
        if (rule.accept(args) !== losslessRule.accept(args)) mismatches.push(`p=${px} q=${qx} r=${r}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(200_000);
  });
});
