import type { SamplingOptions } from "./generator-options.js";
import type { DataGeneratorContext, DistillationExample } from "./plugin-definition.js";

// Deterministic seeds: batch i of a run seeded s always sees the same data, whatever was taken before.
// Every data-generator package derives them the same way, so a mixture's on-policy batch i equals the
// on-policy generator's batch i for the same seed (and likewise for fixed and teacher).

const MASK64 = (1n << 64n) - 1n;

/** splitmix64's finaliser: a bijection on 64 bits that spreads every input bit over the output. */
function mix64(x: bigint): bigint {
  let z = x & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** An unrelated 64-bit seed for sub-stream `stream` (a batch index, or a purpose) of `seed`. */
export function deriveSeed(seed: bigint, stream: bigint): bigint {
  return mix64(mix64(BigInt.asUintN(64, seed)) + BigInt.asUintN(64, (stream + 1n) * 0x9e3779b97f4a7c15n));
}

/** Throws a RangeError unless `batchSize` is a positive integer and `seed` a bigint. */
export function checkBatchArgs(id: string, batchSize: number, seed: bigint): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`${id}: batch size must be a positive integer, got ${String(batchSize)}`);
  }
  if (typeof seed !== "bigint") throw new RangeError(`${id}: seed must be a bigint, got ${typeof seed}`);
}

/** Prompts of batch `batchSeed`, then one sampled continuation each (`sample` is the target or the draft). */
export async function sampledBatch(
  id: string,
  context: DataGeneratorContext,
  sample: "sampleTarget" | "sampleDraft",
  batchSize: number,
  batchSeed: bigint,
  options: SamplingOptions,
): Promise<DistillationExample[]> {
  const prompts = await context.prompts(batchSize, deriveSeed(batchSeed, 0n));
  const continuations = await context[sample](
    prompts,
    options.maxNewTokens,
    options.temperature,
    deriveSeed(batchSeed, 1n),
  );
  if (continuations.length !== prompts.length) {
    throw new Error(
      `${id}: ${sample} returned ${continuations.length} continuations for ${prompts.length} prompts`,
    );
  }
  return prompts.map((prompt, i) => ({ prompt, continuation: continuations[i] }));
}

/**
 * The endless batch stream every data generator returns: batch i is built from deriveSeed(seed, i), so it
 * does not depend on what was taken before. Arguments are checked at the call, not at the first next().
 */
export function seededBatches(
  id: string,
  batchSize: number,
  seed: bigint,
  makeBatch: (batchSeed: bigint) => Promise<DistillationExample[]>,
): AsyncGenerator<DistillationExample[]> {
  checkBatchArgs(id, batchSize, seed);
  return (async function* () {
    for (let i = 0n; ; i++) yield await makeBatch(deriveSeed(seed, i));
  })();
}
