/** Token ids stay below 2^20 so a pair packs exactly into one float64-safe integer. */
export const MAX_VOCAB_SIZE = 1 << 20;

export function pairKey(left: number, right: number): number {
  return left * MAX_VOCAB_SIZE + right;
}

export function pairLeft(key: number): number {
  return Math.floor(key / MAX_VOCAB_SIZE);
}

export function pairRight(key: number): number {
  return key % MAX_VOCAB_SIZE;
}
