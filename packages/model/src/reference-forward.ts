import { type ModelConfig, validateConfig } from "./config.js";
import { type Weights, weightSpecs } from "./weight-spec.js";

// Plain float64 forward pass of the transformer: slow and obvious on purpose, it is the yardstick the
// ONNX graph is checked against. Layout conventions follow weight-spec.ts (x @ W with W row-major [in, out]).

/** Logits [T][vocabSize] for every position of `tokenIds` (causal: row t depends on tokens 0..t only). */
export function referenceForward(
  config: ModelConfig,
  weights: Weights,
  tokenIds: readonly number[],
): Float64Array[] {
  validateConfig(config);
  const { vocabSize, width: d, heads, ffnHidden: f, normEps: eps, ropeTheta } = config;
  const T = tokenIds.length;
  if (T > config.contextLength) {
    throw new RangeError(`${T} tokens exceed config.contextLength ${config.contextLength}`);
  }
  tokenIds.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(`token id ${id} at position ${t} is not an integer in [0, ${vocabSize})`);
    }
  });
  checkWeights(config, weights);
  const w = (name: string) => weights.get(name)!;
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);

  const emb = w("tok_emb");
  const x = tokenIds.map((id) => Float64Array.from(emb.subarray(id * d, (id + 1) * d)));

  for (let l = 0; l < config.layers; l++) {
    const attnNorm = w(`l${l}.attn_norm`);
    const hs = x.map((row) => referenceRmsNorm(row, attnNorm, eps));
    const q = hs.map((h) => matVec(h, w(`l${l}.wq`), d, d));
    const k = hs.map((h) => matVec(h, w(`l${l}.wk`), d, d));
    const v = hs.map((h) => matVec(h, w(`l${l}.wv`), d, d));
    for (let t = 0; t < T; t++) {
      for (let hd = 0; hd < heads; hd++) {
        rotateInPlace(q[t], hd * dh, dh, t, ropeTheta);
        rotateInPlace(k[t], hd * dh, dh, t, ropeTheta);
      }
    }

    const wo = w(`l${l}.wo`);
    for (let t = 0; t < T; t++) {
      const attn = new Float64Array(d);
      for (let hd = 0; hd < heads; hd++) {
        const base = hd * dh;
        const scores = new Float64Array(t + 1); // keys 0..t only: causal
        let max = Number.NEGATIVE_INFINITY;
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let i = 0; i < dh; i++) dot += q[t][base + i] * k[s][base + i];
          scores[s] = dot * scale;
          if (scores[s] > max) max = scores[s];
        }
        // Subtracting the max leaves softmax unchanged and keeps exp from overflowing.
        let sum = 0;
        for (let s = 0; s <= t; s++) {
          scores[s] = Math.exp(scores[s] - max);
          sum += scores[s];
        }
        for (let s = 0; s <= t; s++) {
          const p = scores[s] / sum;
          for (let i = 0; i < dh; i++) attn[base + i] += p * v[s][base + i];
        }
      }
      addInPlace(x[t], matVec(attn, wo, d, d));
    }

    const ffnNorm = w(`l${l}.ffn_norm`);
    const wGate = w(`l${l}.w_gate`);
    const wUp = w(`l${l}.w_up`);
    const wDown = w(`l${l}.w_down`);
    for (let t = 0; t < T; t++) {
      const h = referenceRmsNorm(x[t], ffnNorm, eps);
      const gate = matVec(h, wGate, d, f);
      const up = matVec(h, wUp, d, f);
      for (let j = 0; j < f; j++) gate[j] = silu(gate[j]) * up[j];
      addInPlace(x[t], matVec(gate, wDown, f, d));
    }
  }

  const finalNorm = w("final_norm");
  return x.map((row) => {
    const h = referenceRmsNorm(row, finalNorm, eps);
    // Tied head: logits = h @ tok_emb^T, i.e. one dot product per vocabulary row.
    const logits = new Float64Array(vocabSize);
    for (let tok = 0; tok < vocabSize; tok++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += h[i] * emb[tok * d + i];
      logits[tok] = dot;
    }
    return logits;
  });
}

/** rmsnorm(x, g) = x / sqrt(mean(x²) + eps) * g, in float64. */
export function referenceRmsNorm(x: ArrayLike<number>, gain: ArrayLike<number>, eps: number): Float64Array {
  const n = x.length;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += x[i] * x[i];
  const inv = 1 / Math.sqrt(sq / n + eps);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] * inv * gain[i];
  return out;
}

/**
 * Rotary position embedding of one head vector (length dh, even) at `position`, rotate-half
 * (GPT-NeoX) convention: element i pairs with i + dh/2 and turns by position · ropeTheta^(-2i/dh).
 */
export function referenceRotary(head: ArrayLike<number>, position: number, ropeTheta: number): Float64Array {
  if (head.length % 2 !== 0) throw new RangeError(`rotary needs an even head size, got ${head.length}`);
  const out = Float64Array.from(head);
  rotateInPlace(out, 0, out.length, position, ropeTheta);
  return out;
}

function rotateInPlace(buf: Float64Array, start: number, dh: number, position: number, theta: number): void {
  const half = dh / 2;
  for (let i = 0; i < half; i++) {
    const angle = position * theta ** ((-2 * i) / dh);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const x1 = buf[start + i];
    const x2 = buf[start + i + half];
    buf[start + i] = x1 * cos - x2 * sin;
    buf[start + i + half] = x2 * cos + x1 * sin;
  }
}

// out_j = Σ_i x_i · W[i·cols + j]
function matVec(x: ArrayLike<number>, w: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const xi = x[i];
    const base = i * cols;
    for (let j = 0; j < cols; j++) out[j] += xi * w[base + j];
  }
  return out;
}

function addInPlace(target: Float64Array, delta: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] += delta[i];
}

function silu(z: number): number {
  return z / (1 + Math.exp(-z));
}

function checkWeights(config: ModelConfig, weights: Weights): void {
  for (const spec of weightSpecs(config)) {
    const t = weights.get(spec.name);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (t === undefined) throw new Error(`referenceForward: missing weight ${spec.name}`);
    if (t.length !== size) {
      throw new Error(
        `referenceForward: weight ${spec.name} has ${t.length} values, expected ${size} for shape [${spec.shape.join(", ")}]`,
      );
    }
  }
}
