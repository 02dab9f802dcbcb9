import type { DataGenerator } from "@distillspec/plugin-api";
import {
  checkBatchArgs,
  deriveSeed,
  optionRecord,
  parseSamplingOptions,
  type SamplingOptions,
  sampledBatch,
} from "@distillspec/plugin-api";

/**
 * Teacher data: continuations sampled from the target for dataset prompts (the target's own
 * distribution, but a target forward pass per token, so the most expensive generator).
 * Batch i: prompts(batchSize, s_i0) then sampleTarget(prompts, maxNewTokens, temperature, s_i1), where s_i0 and
 * s_i1 are derived from the run seed and i.
 */

export type TeacherOptions = SamplingOptions;

/** Options { maxNewTokens?: positive integer = 64, temperature?: finite >= 0 = 1 }; `undefined` = defaults. */
export function parseTeacherOptions(options: unknown): TeacherOptions {
  return parseSamplingOptions("teacher", optionRecord("teacher", options, ["maxNewTokens", "temperature"]));
}

export function createTeacherGenerator(options: unknown): DataGenerator {
  const parsed = parseTeacherOptions(options);
  return {
    id: "teacher",
    // A plain function around the generator so bad arguments throw at the call, not at the first next().
    batches(context, batchSize, seed) {
      checkBatchArgs("teacher", batchSize, seed);
      return (async function* () {
        for (let i = 0n; ; i++) {
          yield await sampledBatch(
            "teacher",
            context,
            "sampleTarget",
            batchSize,
            deriveSeed(seed, i),
            parsed,
          );
        }
      })();
    },
  };
}
