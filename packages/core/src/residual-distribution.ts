/**
 * norm(max(0, p − q)) in float64: the distribution of the recovered token after a rejection.
 * If no entry of p exceeds q (p == q, or p ≤ q everywhere because float32 rounding left p's
 * mass a hair below q's) the residual is empty; we then fall back to norm(p), which is what the
 * exact residual tends to as p → q and always stays inside the target's support.
 */
export function residualDistribution(p: ArrayLike<number>, q: ArrayLike<number>): Float64Array {
  const n = p.length;
  if (q.length !== n) throw new RangeError(`residualDistribution: |p| = ${n} but |q| = ${q.length}`);
  const out = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - q[i];
    if (d > 0) {
      out[i] = d;
      total += d;
    }
  }
  if (!(total > 0)) {
    for (let i = 0; i < n; i++) {
      const v = Math.max(p[i], 0); // a NaN makes total NaN and throws below
      out[i] = v;
      total += v;
    }
    if (!(total > 0)) throw new RangeError("residualDistribution: target distribution has no mass");
  }
  for (let i = 0; i < n; i++) out[i] /= total;
  return out;
}
