import type { RandomSource } from "./random-source.js";

/**
 * Draws a token id from a (processed) distribution; weights need not sum exactly to 1.
 * A one-hot distribution returns its hot token (still consuming one uniform draw).
 */
export function sampleToken(probs: ArrayLike<number>, rng: RandomSource): number {
  return rng.categorical(probs);
}

/** Index of the largest entry; ties go to the lowest id, NaN entries are ignored. */
export function argmax(probs: ArrayLike<number>): number {
  const n = probs.length;
  if (n === 0) throw new RangeError("argmax: empty distribution");
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = probs[i];
    if (v > bestValue || (best < 0 && v === bestValue)) {
      best = i;
      bestValue = v;
    }
  }
  if (best < 0) throw new RangeError("argmax: every entry is NaN");
  return best;
}
