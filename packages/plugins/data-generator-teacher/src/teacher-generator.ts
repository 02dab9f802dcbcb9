import {
  createSampledGenerator,
  type DataGenerator,
  parseSampledGeneratorOptions,
  type SamplingOptions,
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
  return parseSampledGeneratorOptions("teacher", options);
}

export function createTeacherGenerator(options: unknown): DataGenerator {
  return createSampledGenerator("teacher", "sampleTarget", options);
}
