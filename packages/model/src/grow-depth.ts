import { createRng } from "@distillspec/core";
import { type ModelConfig, validateConfig } from "./config.js";
import { initTensor } from "./init-weights.js";
import { type Weights, weightSpecs } from "./weight-spec.js";

// Depth growth: a deeper model that computes exactly what the trained one does, as the starting point
// for training it further (a bigger target without pretraining one from scratch). New blocks are spread
// evenly between the old ones. Each new block is an identity map at first: its two residual projections
// (wo, w_down) are zero, so it adds nothing to the residual stream; its other matrices get the usual
// random init, so gradients reach the zero projections at once and the block starts learning.

const RESIDUAL_PROJECTIONS = new Set(["wo", "w_down"]);

export interface GrownModel {
  config: ModelConfig;
  weights: Weights;
  /** For every layer of the grown model, the old layer it came from, or null for a new block. */
  origin: (number | null)[];
}

/** Where the old layers go: new blocks are dealt out as evenly as possible after each old layer. */
export function layerOrigins(oldLayers: number, newLayers: number): (number | null)[] {
  const origin: (number | null)[] = [];
  const added = newLayers - oldLayers;
  for (let l = 0; l < oldLayers; l++) {
    origin.push(l);
    const after = Math.floor(((l + 1) * added) / oldLayers) - Math.floor((l * added) / oldLayers);
    for (let i = 0; i < after; i++) origin.push(null);
  }
  return origin;
}

export function growDepth(
  config: ModelConfig,
  weights: Weights,
  layers: number,
  seed: number | bigint,
): GrownModel {
  validateConfig(config);
  if (!Number.isInteger(layers) || layers <= config.layers) {
    throw new RangeError(`a grown model needs more than ${config.layers} layers, got ${layers}`);
  }
  const grown: ModelConfig = { ...config, layers };
  const origin = layerOrigins(config.layers, layers);
  const rng = createRng(seed);
  const out: Weights = new Map();
  for (const spec of weightSpecs(grown)) {
    const match = /^l(\d+)\.(.+)$/.exec(spec.name);
    if (!match) {
      out.set(spec.name, copyOf(weights, spec.name));
      continue;
    }
    const [layer, part] = [Number(match[1]), match[2]];
    const from = origin[layer];
    if (from !== null) {
      out.set(spec.name, copyOf(weights, `l${from}.${part}`));
      continue;
    }
    const values = RESIDUAL_PROJECTIONS.has(part)
      ? new Float32Array(spec.shape.reduce((a, b) => a * b, 1))
      : initTensor(spec, rng);
    out.set(spec.name, values);
  }
  return { config: grown, weights: out, origin };
}

function copyOf(weights: Weights, name: string): Float32Array {
  const values = weights.get(name);
  if (!values) throw new Error(`weights have no tensor ${name}`);
  return values.slice();
}
