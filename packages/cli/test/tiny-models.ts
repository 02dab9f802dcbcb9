import { type Checkpoint, initWeights, type ModelConfig } from "@distillspec/model";
import type { Tokenizer } from "@distillspec/tokenizer";

/** A one-layer model small enough for the CLI's end-to-end tests to train and decode in seconds. */
export function tinyConfig(vocabSize: number, contextLength = 512): ModelConfig {
  return {
    name: "tiny",
    vocabSize,
    contextLength,
    layers: 1,
    heads: 2,
    width: 16,
    ffnHidden: 32,
    ropeTheta: 10000,
    normEps: 1e-5,
  };
}

export function tinyCheckpoint(tokenizer: Tokenizer, seed: number, contextLength?: number): Checkpoint {
  const config = tinyConfig(tokenizer.vocabSize, contextLength);
  return {
    formatVersion: 1,
    config,
    tokenizerIdentity: tokenizer.identity,
    metadata: {},
    weights: initWeights(config, seed),
  };
}
