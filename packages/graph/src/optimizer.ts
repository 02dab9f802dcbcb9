import type { GraphBuilder, Value } from "./graph-builder.js";

// AdamW inside the graph: global-norm gradient clipping, bias-corrected moments, decoupled weight decay.
// The learning rate and the step count are graph inputs, so any schedule is computed outside and fed in.

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay, applied to parameters for which `decay(name)` is true. */
  weightDecay?: number;
  /** Gradients are rescaled so their global L2 norm is at most this (0 disables clipping). */
  clipNorm?: number;
  decay?: (param: Value) => boolean;
}

export interface AdamWState {
  /** Graph inputs holding the first and second moments, named `m.<param>` / `v.<param>`. */
  mInputs: Value[];
  vInputs: Value[];
  newParams: Value[];
  newM: Value[];
  newV: Value[];
  /** Global gradient norm before clipping (scalar). */
  gradNorm: Value;
}

/** Matrices decay, vectors (norm gains) do not: the usual GPT rule. */
export const decayMatrices = (param: Value): boolean => param.shape.length >= 2;

export function adamw(
  b: GraphBuilder,
  params: readonly Value[],
  grads: readonly Value[],
  learningRate: Value,
  step: Value,
  options: AdamWOptions = {},
): AdamWState {
  const {
    beta1 = 0.9,
    beta2 = 0.95,
    eps = 1e-8,
    weightDecay = 0.1,
    clipNorm = 1.0,
    decay = decayMatrices,
  } = options;
  const s = (v: number) => b.scalarLike(v, learningRate);

  const squares = grads.map((g) => b.sumAll(b.mul(g, g)));
  const gradNorm = b.sqrt(squares.reduce((acc, x) => b.add(acc, x)));
  const scale = clipNorm > 0 ? b.min(s(1), b.div(s(clipNorm), b.add(gradNorm, s(1e-6)))) : s(1);

  const correction1 = b.sub(s(1), b.pow(s(beta1), step));
  const correction2 = b.sub(s(1), b.pow(s(beta2), step));
  const state: AdamWState = { mInputs: [], vInputs: [], newParams: [], newM: [], newV: [], gradNorm };

  params.forEach((p, i) => {
    const m = b.input(`m.${p.name}`, p.dtype, p.shape);
    const v = b.input(`v.${p.name}`, p.dtype, p.shape);
    const g = b.mul(grads[i], scale);
    const m2 = b.add(b.mul(m, s(beta1)), b.mul(g, s(1 - beta1)));
    const v2 = b.add(b.mul(v, s(beta2)), b.mul(b.mul(g, g), s(1 - beta2)));
    const mHat = b.div(m2, correction1);
    const vHat = b.div(v2, correction2);
    let update = b.div(mHat, b.add(b.sqrt(vHat), s(eps)));
    if (weightDecay > 0 && decay(p)) update = b.add(update, b.mul(p, s(weightDecay)));
    state.mInputs.push(m);
    state.vInputs.push(v);
    state.newM.push(m2);
    state.newV.push(v2);
    state.newParams.push(b.sub(p, b.mul(update, learningRate)));
  });
  return state;
}

/** Linear warm-up then cosine decay to `minRatio`·peak. `step` counts from 1. */
export function warmupCosine(
  step: number,
  opts: { peak: number; warmup: number; total: number; minRatio?: number },
): number {
  const { peak, warmup, total, minRatio = 0.1 } = opts;
  if (step <= warmup) return (peak * step) / Math.max(1, warmup);
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
