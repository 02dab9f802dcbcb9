import type { ModelConfig } from "./config.js";

// The named weights of a model, in a fixed order. Matrices multiply from the right: x[..., in] @ W[in, out].
// The output head reuses `tok_emb` transposed (tied embeddings).

export interface WeightSpec {
  name: string;
  shape: number[];
  /** "normal" matrices get N(0, std²); "ones" are RMSNorm gains. */
  init: "normal" | "ones";
  /** Standard deviation for "normal" init (GPT-2 style: residual projections scaled by 1/sqrt(2·layers)). */
  std: number;
}

export function weightSpecs(config: ModelConfig): WeightSpec[] {
  const { vocabSize: v, width: d, ffnHidden: f, layers } = config;
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * layers);
  const specs: WeightSpec[] = [{ name: "tok_emb", shape: [v, d], init: "normal", std }];
  for (let l = 0; l < layers; l++) {
    specs.push(
      { name: `l${l}.attn_norm`, shape: [d], init: "ones", std: 0 },
      { name: `l${l}.wq`, shape: [d, d], init: "normal", std },
      { name: `l${l}.wk`, shape: [d, d], init: "normal", std },
      { name: `l${l}.wv`, shape: [d, d], init: "normal", std },
      { name: `l${l}.wo`, shape: [d, d], init: "normal", std: residualStd },
      { name: `l${l}.ffn_norm`, shape: [d], init: "ones", std: 0 },
      { name: `l${l}.w_gate`, shape: [d, f], init: "normal", std },
      { name: `l${l}.w_up`, shape: [d, f], init: "normal", std },
      { name: `l${l}.w_down`, shape: [f, d], init: "normal", std: residualStd },
    );
  }
  specs.push({ name: "final_norm", shape: [d], init: "ones", std: 0 });
  return specs;
}

export function parameterCount(config: ModelConfig): number {
  return weightSpecs(config).reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** Weights by name, float32, row-major in the shape given by weightSpecs. */
export type Weights = Map<string, Float32Array>;
