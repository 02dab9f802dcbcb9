/** Standard error of the mean of independent measurements (sample standard deviation / √n); NaN below 2. */
export function standardError(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance / xs.length);
}
