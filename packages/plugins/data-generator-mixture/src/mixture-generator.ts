import { createRng } from "@distillspec/core";
import type { DataGenerator } from "@distillspec/plugin-api";
import {
  checkBatchArgs,
  deriveSeed,
  describeOptionValue,
  optionRecord,
  parseSamplingOptions,
  type SamplingOptions,
  sampledBatch,
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
    // A plain function around the generator so bad arguments throw at the call, not at the first next().
    batches(context, batchSize, seed) {
      checkBatchArgs("mixture", batchSize, seed);
      const choices = createRng(deriveSeed(seed, CHOICE_STREAM));
      return (async function* () {
        for (let i = 0n; ; i++) {
          const batchSeed = deriveSeed(seed, i);
          // uniform() is in [0, 1): λ = 0 never picks on-policy, λ = 1 always does.
          if (choices.uniform() < parsed.lambda) {
            yield await sampledBatch("mixture", context, "sampleDraft", batchSize, batchSeed, parsed);
          } else if (parsed.other === "teacher") {
            yield await sampledBatch("mixture", context, "sampleTarget", batchSize, batchSeed, parsed);
          } else {
            yield await context.datasetExamples(batchSize, batchSeed);
          }
        }
      })();
    },
  };
}
