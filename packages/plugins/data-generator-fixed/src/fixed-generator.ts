import { checkBatchArgs, type DataGenerator, deriveSeed, optionRecord } from "@distillspec/plugin-api";

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
    // A plain function around the generator so bad arguments throw at the call, not at the first next().
    batches(context, batchSize, seed) {
      checkBatchArgs("fixed", batchSize, seed);
      return (async function* () {
        for (let i = 0n; ; i++) yield await context.datasetExamples(batchSize, deriveSeed(seed, i));
      })();
    },
  };
}
