import { type DataGenerator, optionRecord, seededBatches } from "@distillspec/plugin-api";

/**
 * Fixed data: ground-truth (prompt, continuation) pairs from the task's dataset. No model is sampled, so it
 * is the cheapest generator, but the continuations are neither the draft's nor the target's.
 */

export type FixedOptions = Record<string, never>;

/** Takes no options: `undefined` or `{}`. */
export function parseFixedOptions(options: unknown): FixedOptions {
  optionRecord("fixed", options, []);
  return {};
}

export function createFixedGenerator(options: unknown): DataGenerator {
  parseFixedOptions(options);
  return {
    id: "fixed",
    batches: (context, batchSize, seed) =>
      seededBatches("fixed", batchSize, seed, (batchSeed) => context.datasetExamples(batchSize, batchSeed)),
  };
}
