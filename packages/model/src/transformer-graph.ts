import type { GraphBuilder, Value } from "@distillspec/graph";
import { headSize, type ModelConfig } from "./config.js";

// The transformer forward pass, written once over the graph builder and shared by the inference graph
// (KV cache, dynamic shapes) and the training graph (static shapes, no cache).

export interface ForwardInputs {
  /** Token ids, int64 [batch, new]. */
  ids: Value;
  /** Rotary cos/sin for the new positions, [batch, new, 1, headSize/2] (broadcast over heads). */
  cos: Value;
  sin: Value;
  /** Additive attention mask (0 or −1e9), [batch, 1, new, past+new] or [new, new]. */
  mask: Value;
  /** Cached keys/values per layer, [batch, past, width]; keys are stored already rotated. */
  past?: { keys: Value; values: Value }[];
}

export interface ForwardOutputs {
  /** [batch, new, vocab] */
  logits: Value;
  /** Keys/values of the new positions per layer, [batch, new, width], to append to the cache. */
  newKeys: Value[];
  newValues: Value[];
}

/** Rotate-half rotary embedding on x [batch, new, heads, dh]. */
function applyRotary(b: GraphBuilder, x: Value, cos: Value, sin: Value, half: number): Value {
  const [x1, x2] = b.split(x, -1, [half, half]);
  const first = b.sub(b.mul(x1, cos), b.mul(x2, sin));
  const second = b.add(b.mul(x2, cos), b.mul(x1, sin));
  return b.concat([first, second], -1);
}

export function buildForward(
  b: GraphBuilder,
  config: ModelConfig,
  weight: (name: string) => Value,
  inputs: ForwardInputs,
): ForwardOutputs {
  const { heads, width, layers } = config;
  const dh = headSize(config);
  const scale = b.scalarLike(1 / Math.sqrt(dh), inputs.cos);
  const tokEmb = weight("tok_emb");
  let x = b.gather(tokEmb, inputs.ids); // [batch, new, width]
  const newKeys: Value[] = [];
  const newValues: Value[] = [];

  for (let l = 0; l < layers; l++) {
    // ---- attention ----
    const h = b.rmsNorm(x, weight(`l${l}.attn_norm`), config.normEps);
    const q = b.reshape(b.matmul(h, weight(`l${l}.wq`)), [0, 0, heads, dh]); // [batch, new, heads, dh]
    const k = b.reshape(b.matmul(h, weight(`l${l}.wk`)), [0, 0, heads, dh]);
    const v = b.matmul(h, weight(`l${l}.wv`)); // [batch, new, width]
    const qRot = applyRotary(b, q, inputs.cos, inputs.sin, dh / 2);
    const kRot = b.reshape(applyRotary(b, k, inputs.cos, inputs.sin, dh / 2), [0, 0, width]); // [batch, new, width]
    newKeys.push(kRot);
    newValues.push(v);
    const past = inputs.past?.[l];
    const allKeys = past ? b.concat([past.keys, kRot], 1) : kRot; // [batch, past+new, width]
    const allValues = past ? b.concat([past.values, v], 1) : v;
    const kT = b.transpose(b.reshape(allKeys, [0, 0, heads, dh]), [0, 2, 3, 1]); // [batch, heads, dh, past+new]
    const vH = b.transpose(b.reshape(allValues, [0, 0, heads, dh]), [0, 2, 1, 3]); // [batch, heads, past+new, dh]
    const qH = b.transpose(qRot, [0, 2, 1, 3]); // [batch, heads, new, dh]
    const scores = b.add(b.mul(b.matmul(qH, kT), scale), inputs.mask); // [batch, heads, new, past+new]
    const attn = b.matmul(b.softmax(scores, -1), vH); // [batch, heads, new, dh]
    const merged = b.reshape(b.transpose(attn, [0, 2, 1, 3]), [0, 0, width]); // [batch, new, width]
    x = b.add(x, b.matmul(merged, weight(`l${l}.wo`)));

    // ---- SwiGLU feed-forward ----
    const f = b.rmsNorm(x, weight(`l${l}.ffn_norm`), config.normEps);
    const gated = b.mul(b.silu(b.matmul(f, weight(`l${l}.w_gate`))), b.matmul(f, weight(`l${l}.w_up`)));
    x = b.add(x, b.matmul(gated, weight(`l${l}.w_down`)));
  }

  const final = b.rmsNorm(x, weight("final_norm"), config.normEps);
  const logits = b.matmul(final, b.transpose(tokEmb, [1, 0])); // [batch, new, vocab], tied head
  return { logits, newKeys, newValues };
}
