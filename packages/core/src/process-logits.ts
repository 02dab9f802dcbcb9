import { type SamplingParams, validateSamplingParams } from "./sampling-params.js";

/**
 * Turns one row of logits into the processed next-token distribution over the full vocabulary:
 * temperature 0 → one-hot at the argmax (ties → lowest id); otherwise softmax(logits / T), then
 * top-k, then top-p on the renormalised top-k mass, renormalised again. Math is float64; only the
 * result is rounded to float32. Ranking uses the raw logits (exact, unlike underflowed probabilities),
 * ties broken by lower token id, so the kept set is deterministic.
 * Logits must be finite or -Infinity (masked); at least one must be finite.
 */
export function processLogits(logits: ArrayLike<number>, params: SamplingParams): Float32Array {
  const { temperature, topK, topP } = validateSamplingParams(params);
  const n = logits.length;
  if (n === 0) throw new RangeError("processLogits: empty logits");
  let maxLogit = Number.NEGATIVE_INFINITY;
  let best = -1;
  for (let i = 0; i < n; i++) {
    const l = logits[i];
    if (Number.isNaN(l) || l === Number.POSITIVE_INFINITY) {
      throw new RangeError(`processLogits: logits[${i}] = ${l}; logits must be finite or -Infinity`);
    }
    // Strict > keeps the lowest id among equal maxima.
    if (l > maxLogit) {
      maxLogit = l;
      best = i;
    }
  }
  if (best < 0) throw new RangeError("processLogits: every logit is -Infinity");

  const out = new Float32Array(n);
  if (temperature === 0) {
    out[best] = 1;
    return out;
  }

  // Subtract the max before dividing by T: (l - max) ≤ 0, so tiny T gives -Infinity, never NaN.
  const w = new Float64Array(n);
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = Math.exp((logits[i] - maxLogit) / temperature);
    w[i] = v;
    if (v > 0) candidates.push(i);
  }

  const topKActive = topK > 0 && topK < candidates.length;
  if (topKActive || topP < 1) {
    // Zero-weight tokens are left out of the ranking: keeping or dropping them changes nothing.
    candidates.sort((a, b) => logits[b] - logits[a] || a - b);
    let kept = topKActive ? topK : candidates.length;
    if (topP < 1) {
      let keptMass = 0;
      for (let j = 0; j < kept; j++) keptMass += w[candidates[j]];
      // Nucleus of the renormalised top-k distribution; the first token is always kept.
      const threshold = topP * keptMass;
      let cum = 0;
      let m = 0;
      while (m < kept) {
        cum += w[candidates[m]];
        m++;
        if (cum >= threshold) break;
      }
      kept = m;
    }
    for (let j = kept; j < candidates.length; j++) w[candidates[j]] = 0;
  }

  let total = 0;
  for (let i = 0; i < n; i++) total += w[i];
  for (let i = 0; i < n; i++) out[i] = w[i] / total;
  return out;
}
