// Pearson chi-square goodness of fit with an exact p-value (regularised upper incomplete gamma),
// float64 throughout. Numerical Recipes-style series / Lentz continued fraction.

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative accuracy). */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Q(a, x) = Γ(a, x) / Γ(a), the upper regularised incomplete gamma function. */
export function upperGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`upperGammaQ: bad arguments a=${a}, x=${x}`);
  if (x === 0) return 1;
  const logPrefix = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    // Series for P(a, x), then Q = 1 − P.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/** P(χ²_df ≥ statistic). */
export function chiSquarePValue(statistic: number, df: number): number {
  return upperGammaQ(df / 2, statistic / 2);
}

export interface ChiSquareResult {
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
  /** Smallest expected count among the cells used (should be ≥ 5 for the test to be valid). */
  readonly minExpected: number;
  /** Observations in cells whose exact probability is 0: any is a hard failure. */
  readonly impossible: number;
}

/**
 * Goodness of fit of `counts` against exact probabilities `probs` (same length, summing to 1).
 * Zero-probability cells are excluded from the statistic and reported separately.
 */
export function chiSquareTest(counts: readonly number[], probs: readonly number[]): ChiSquareResult {
  if (counts.length !== probs.length) throw new RangeError("chiSquareTest: length mismatch");
  const n = counts.reduce((a, b) => a + b, 0);
  let statistic = 0;
  let cells = 0;
  let minExpected = Number.POSITIVE_INFINITY;
  let impossible = 0;
  for (let i = 0; i < counts.length; i++) {
    if (probs[i] === 0) {
      impossible += counts[i];
      continue;
    }
    const e = n * probs[i];
    statistic += (counts[i] - e) ** 2 / e;
    minExpected = Math.min(minExpected, e);
    cells++;
  }
  const df = cells - 1;
  return { statistic, df, pValue: chiSquarePValue(statistic, df), minExpected, impossible };
}
