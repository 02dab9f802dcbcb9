import type { DataGenerator } from "@distillspec/plugin-api";
import { checkBatchArgs, deriveSeed } from "./seeds.js";

/**
 * Fixed data: ground-truth (prompt, continuation) pairs from the task's dataset. No model is sampled, so it
 * is the cheapest generator, but the continuations are neither the draft's nor the target's.
 */

export type FixedOptions = Record<string, never>;

function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  return value === undefined ? "undefined" : JSON.stringify(value);
}

/** Takes no options: `undefined` or `{}`. */
export function parseFixedOptions(options: unknown): FixedOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new RangeError(`fixed: options must be an empty object {}, got ${describe(options)}`);
  }
  const [key] = Object.keys(options);
  if (key !== undefined) throw new RangeError(`fixed: unknown option "${key}" (allowed: none)`);
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
