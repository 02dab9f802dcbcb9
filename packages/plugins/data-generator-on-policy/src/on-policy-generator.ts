import {
  createSampledGenerator,
  type DataGenerator,
  parseSampledGeneratorOptions,
  type SamplingOptions,
} from "@distillspec/plugin-api";

/**
 * On-policy data: continuations sampled from the current draft for dataset prompts, so the draft is
 * trained on the sequences it actually produces (the paper's recommendation: as good as or better than
 * teacher data, and much cheaper).
 * Batch i: prompts(batchSize, s_i0) then sampleDraft(prompts, maxNewTokens, temperature, s_i1), where s_i0 and
 * s_i1 are derived from the run seed and i.
 */

export type OnPolicyOptions = SamplingOptions;

/** Options { maxNewTokens?: positive integer = 64, temperature?: finite >= 0 = 1 }; `undefined` = defaults. */
export function parseOnPolicyOptions(options: unknown): OnPolicyOptions {
  return parseSampledGeneratorOptions("on-policy", options);
}

export function createOnPolicyGenerator(options: unknown): DataGenerator {
  return createSampledGenerator("on-policy", "sampleDraft", options);
}
