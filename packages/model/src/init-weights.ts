import { createRng, type Rng } from "@distillspec/core";
import { type ModelConfig, validateConfig } from "./config.js";
import { type WeightSpec, type Weights, weightSpecs } from "./weight-spec.js";

/**
 * Fresh weights for `config`: "normal" specs draw N(0, std²), "ones" specs are 1.
 * Each tensor uses its own stream forked by name, so a tensor's values depend only on
 * (seed, name, shape) — adding a layer or reordering specs does not reshuffle the others.
 */
export function initWeights(config: ModelConfig, seed: number | bigint): Weights {
  validateConfig(config);
  const root = createRng(seed);
  return new Map(weightSpecs(config).map((spec) => [spec.name, initTensor(spec, root)]));
}

/** One tensor's fresh values, from its own stream forked off `root` by name. */
export function initTensor(spec: WeightSpec, root: Rng): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (spec.init === "ones") return values.fill(1);
  const rng = root.fork(spec.name);
  for (let i = 0; i < size; i++) values[i] = rng.normal(0, spec.std);
  return values;
}
