// The checks and per-prompt seeds both model services use for Sample requests, so that target and draft
// sample the same way (and a distiller can reproduce either).

/** Most prompts one Sample call takes: bounds the memory and the time one request can hold. */
export const MAX_SAMPLE_PROMPTS = 256;

/** Throws a RangeError naming the first problem with a sample request. */
export function checkSampleRequest(
  prompts: readonly (readonly number[])[],
  maxNewTokens: number,
  stopTokenIds: readonly number[],
  contextLength: number,
  vocab: number,
): void {
  if (prompts.length === 0) throw new RangeError("sample needs at least one prompt");
  if (prompts.length > MAX_SAMPLE_PROMPTS) {
    throw new RangeError(`sample takes at most ${MAX_SAMPLE_PROMPTS} prompts, got ${prompts.length}`);
  }
  if (!Number.isSafeInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new RangeError(`max new tokens must be a positive integer, got ${maxNewTokens}`);
  }
  const isToken = (t: number) => Number.isInteger(t) && t >= 0 && t < vocab;
  for (const [i, prompt] of prompts.entries()) {
    if (prompt.length === 0) throw new RangeError(`prompt ${i} is empty`);
    // The last position must stay free for at least one new token.
    if (prompt.length >= contextLength) {
      throw new RangeError(
        `prompt ${i} has ${prompt.length} tokens, leaving no room in the context length ${contextLength}`,
      );
    }
    const bad = prompt.findIndex((t) => !isToken(t));
    if (bad >= 0) {
      throw new RangeError(
        `prompt ${i}: token id ${prompt[bad]} at position ${bad} is outside the vocabulary [0, ${vocab})`,
      );
    }
  }
  const badStop = stopTokenIds.find((t) => !isToken(t));
  if (badStop !== undefined) {
    throw new RangeError(`stop token id ${badStop} is outside the vocabulary [0, ${vocab})`);
  }
}

/** A well-mixed 64-bit seed per prompt (splitmix64 finaliser), so neighbouring prompts get unrelated streams. */
export function promptSeed(seed: bigint, index: number): bigint {
  const mask = (1n << 64n) - 1n;
  let z = (BigInt.asUintN(64, seed) + BigInt(index + 1) * 0x9e3779b97f4a7c15n) & mask;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
  return z ^ (z >> 31n);
}
