import { createRng } from "@distillspec/core";
import { type ModelConfig, validateConfig } from "./config.js";
import { type Weights, weightSpecs } from "./weight-spec.js";

/**
 * Fresh weights for `config`: "normal" specs draw N(0, std²), "ones" specs are 1.
 * Each tensor uses its own stream forked by name, so a tensor's values depend only on
 * (seed, name, shape) — adding a layer or reordering specs does not reshuffle the others.
 */
export function initWeights(config: ModelConfig, seed: number | bigint): Weights {
  validateConfig(config);
  const root = createRng(seed);
  const weights: Weights = new Map();
  for (const spec of weightSpecs(config)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (spec.init === "ones") {
      values.fill(1);
    } else {
      const rng = root.fork(spec.name);
      for (let i = 0; i < size; i++) values[i] = rng.normal(0, spec.std);
    }
    weights.set(spec.name, values);
  }
  return weights;
}
