import { createRng } from "@distillspec/core";
import type { DataGenerator } from "@distillspec/plugin-api";
import {
  deriveSeed,
  describeOptionValue,
  optionRecord,
  parseSamplingOptions,
  type SamplingOptions,
  sampledBatch,
  seededBatches,
} from "@distillspec/plugin-api";

/**
 * GKD-style mixture: each BATCH (not each example) is on-policy with probability λ, otherwise `other`
 * ("fixed" dataset continuations or "teacher" samples). Whole batches keep one source per step, as in GKD,
 * and let each source batch its sampling calls. The choices come from their own seeded stream, and batch i
 * is built exactly as the pure generator builds its batch i, so λ = 1 reproduces "on-policy" and λ = 0
 * reproduces `other` for the same seed.
 */

export interface MixtureOptions extends SamplingOptions {
  /** Probability in [0, 1] that a batch is on-policy; required. */
  lambda: number;
  /** Where the other batches come from; default "fixed". */
  other: "fixed" | "teacher";
}

const ALLOWED = ["lambda", "other", "maxNewTokens", "temperature"];

/** Sub-stream of the run seed for the per-batch choices; batch indices never reach it. */
const CHOICE_STREAM = -1n;

/** Options { lambda: [0, 1], other?: "fixed" | "teacher" = "fixed", maxNewTokens?, temperature? }. */
export function parseMixtureOptions(options: unknown): MixtureOptions {
  if (options === undefined)
    throw new RangeError(
      `mixture: options must be an object { ${ALLOWED.join(", ")} } with lambda, got undefined`,
    );
  const record = optionRecord("mixture", options, ALLOWED);
  const { lambda, other = "fixed" } = record;
  if (typeof lambda !== "number" || !(lambda >= 0 && lambda <= 1)) {
    throw new RangeError(
      `mixture: option "lambda" must be a number in [0, 1], got ${describeOptionValue(lambda)}`,
    );
  }
  if (other !== "fixed" && other !== "teacher") {
    throw new RangeError(
      `mixture: option "other" must be "fixed" or "teacher", got ${describeOptionValue(other)}`,
    );
  }
  return { lambda, other, ...parseSamplingOptions("mixture", record) };
}

export function createMixtureGenerator(options: unknown): DataGenerator {
  const parsed = parseMixtureOptions(options);
  return {
    id: "mixture",
    batches(context, batchSize, seed) {
      const choices = createRng(deriveSeed(seed, CHOICE_STREAM));
      return seededBatches("mixture", batchSize, seed, (batchSeed) => {
        // uniform() is in [0, 1): λ = 0 never picks on-policy, λ = 1 always does.
        if (choices.uniform() < parsed.lambda) {
          return sampledBatch("mixture", context, "sampleDraft", batchSize, batchSeed, parsed);
        }
        if (parsed.other === "teacher") {
          return sampledBatch("mixture", context, "sampleTarget", batchSize, batchSeed, parsed);
        }
        return context.datasetExamples(batchSize, batchSeed);
      });
    },
  };
}
