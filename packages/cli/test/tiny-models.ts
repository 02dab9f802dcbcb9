import { join } from "node:path";
import { loadFixtureCorpus } from "@distillspec/datasets";
import { type Checkpoint, initWeights, type ModelConfig, saveCheckpoint } from "@distillspec/model";
import { type Tokenizer, trainTokenizer } from "@distillspec/tokenizer";

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

/**
 * A models directory as the services read it: tokenizer.json (trained on the fixture corpus) and one
 * two-layer checkpoint per entry of `checkpoints` (file name → model name and seed).
 */
export async function writeTinyModelsDir(
  dir: string,
  checkpoints: Record<string, { name: string; seed: number }>,
): Promise<Tokenizer> {
  const tokenizer = trainTokenizer(loadFixtureCorpus().train, { vocabSize: 300 });
  await tokenizer.save(join(dir, "tokenizer.json"));
  for (const [file, { name, seed }] of Object.entries(checkpoints)) {
    const config = { ...tinyConfig(tokenizer.vocabSize, 128), name, layers: 2, width: 32, ffnHidden: 48 };
    await saveCheckpoint(join(dir, file), {
      config,
      tokenizerIdentity: tokenizer.identity,
      weights: initWeights(config, seed),
    });
  }
  return tokenizer;
}
