import { createRng } from "@distillspec/core";
import { type Checkpoint, initWeights, type ModelConfig, type Weights } from "@distillspec/model";

// Small random models for fast tests of the serving stack. Weights are scaled up so distributions are
// peaked enough for drafts to be accepted sometimes, as with trained models.

export const TOKENIZER_IDENTITY = "ab".repeat(32);

export const tinyTargetConfig: ModelConfig = {
  name: "tiny-target",
  vocabSize: 64,
  contextLength: 128,
  layers: 2,
  heads: 2,
  width: 32,
  ffnHidden: 48,
  ropeTheta: 10000,
  normEps: 1e-5,
};

function scaled(weights: Weights, factor: number): Weights {
  for (const [name, w] of weights)
    if (!name.endsWith("norm")) for (let i = 0; i < w.length; i++) w[i] *= factor;
  return weights;
}

export function tinyTarget(seed = 1, config: ModelConfig = tinyTargetConfig): Checkpoint {
  return {
    formatVersion: 1,
    config,
    tokenizerIdentity: TOKENIZER_IDENTITY,
    metadata: {},
    weights: scaled(initWeights(config, seed), 6),
  };
}

/** A draft that is the target plus noise: agrees often but not always. */
export function noisyDraftOf(target: Checkpoint, noise: number, seed = 2): Checkpoint {
  const rng = createRng(seed);
  const weights: Weights = new Map();
  for (const [name, w] of target.weights)
    weights.set(
      name,
      w.map((x) => x + (name.endsWith("norm") ? 0 : noise * rng.normal())),
    );
  return { ...target, config: { ...target.config, name: "tiny-draft" }, weights };
}
