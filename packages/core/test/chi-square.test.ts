import { describe, expect, it } from "vitest";
import { chiSquarePValue, chiSquareTest, lnGamma, upperGammaQ } from "./helpers/chi-square.js";

// The losslessness tests trust this helper, so pin it to published table values first.
describe("chi-square helper", () => {
  it("lnGamma matches factorials and Γ(1/2) = √π", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 12);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(21)).toBeCloseTo(42.335616460753485, 10); // ln 20!
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });

  it("Q(a, x) matches closed forms", () => {
    // Q(1, x) = e^{-x}; Q(1/2, x) = erfc(√x): erfc(1) = 0.157299207050285.
    for (const x of [0.1, 1, 5, 30]) expect(upperGammaQ(1, x)).toBeCloseTo(Math.exp(-x), 14);
    expect(upperGammaQ(0.5, 1)).toBeCloseTo(0.157299207050285, 12);
  });

  it("reproduces χ² critical values at significance 0.001", () => {
    // Standard tables: df 1 → 10.828, 3 → 16.266, 15 → 37.697, 63 → 103.442 (the last via R's qchisq).
    const table: [number, number][] = [
      [1, 10.828],
      [3, 16.266],
      [15, 37.697],
      [63, 103.442],
    ];
    for (const [df, crit] of table) {
      expect(chiSquarePValue(crit, df)).toBeCloseTo(0.001, 5);
    }
    expect(chiSquarePValue(3, 3)).toBeCloseTo(0.3916251762710878, 10);
  });

  it("chiSquareTest counts df over non-zero cells and flags impossible observations", () => {
    const r = chiSquareTest([30, 70, 0], [0.3, 0.7, 0]);
    expect(r.statistic).toBe(0);
    expect(r.df).toBe(1);
    expect(r.pValue).toBe(1);
    expect(chiSquareTest([30, 69, 1], [0.3, 0.7, 0]).impossible).toBe(1);
  });
});
