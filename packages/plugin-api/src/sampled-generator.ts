import { optionRecord, parseSamplingOptions, type SamplingOptions } from "./generator-options.js";
import type { DataGenerator } from "./plugin-definition.js";
import { sampledBatch, seededBatches } from "./seeded-batches.js";

// The generators whose data is sampled continuations of dataset prompts, differing only in who samples
// (teacher: the target; on-policy: the draft being trained).

/** Options { maxNewTokens?: positive integer = 64, temperature?: finite >= 0 = 1 }; `undefined` = defaults. */
export function parseSampledGeneratorOptions(id: string, options: unknown): SamplingOptions {
  return parseSamplingOptions(id, optionRecord(id, options, ["maxNewTokens", "temperature"]));
}

/** Batch i: prompts(batchSize, s_i0), then `sample`(prompts, maxNewTokens, temperature, s_i1). */
export function createSampledGenerator(
  id: string,
  sample: "sampleTarget" | "sampleDraft",
  options: unknown,
): DataGenerator {
  const parsed = parseSampledGeneratorOptions(id, options);
  return {
    id,
    batches: (context, batchSize, seed) =>
      seededBatches(id, batchSize, seed, (batchSeed) =>
        sampledBatch(id, context, sample, batchSize, batchSeed, parsed),
      ),
  };
}
