import { BinaryHeap } from "./binary-heap.js";
import { pairKey } from "./pair-key.js";

const POSITION_RANGE = 2 ** 32;
const BYTE_TOKENS = 256;

/**
 * Applies BPE merges to one pre-token's bytes: always the lowest-rank adjacent pair,
 * leftmost first, exactly like training replays them. A heap over a linked list keeps
 * this O(n log n), so a pathological multi-megabyte pre-token cannot go quadratic.
 *
 * `ranks` maps pairKey(left, right) to the merge index; merge r produces token 256 + r.
 */
export function mergeWord(bytes: Uint8Array, ranks: ReadonlyMap<number, number>): number[] {
  const n = bytes.length;
  if (n < 2) return Array.from(bytes);
  if (n === 2) {
    const rank = ranks.get(pairKey(bytes[0], bytes[1]));
    return rank === undefined ? [bytes[0], bytes[1]] : [BYTE_TOKENS + rank];
  }

  const symbols = Int32Array.from(bytes);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }

  // Entries are rank * 2^32 + position: ordering by rank, then leftmost position.
  const heap = new BinaryHeap<number>((a, b) => a < b);
  for (let i = 0; i + 1 < n; i++) {
    const rank = ranks.get(pairKey(symbols[i], symbols[i + 1]));
    if (rank !== undefined) heap.push(rank * POSITION_RANGE + i);
  }

  while (heap.size > 0) {
    const entry = heap.pop()!;
    const rank = Math.floor(entry / POSITION_RANGE);
    const pos = entry - rank * POSITION_RANGE;
    const right = next[pos];
    // Stale entries: the left symbol was absorbed, or a neighbour merge changed the pair.
    if (symbols[pos] < 0 || right < 0) continue;
    if (ranks.get(pairKey(symbols[pos], symbols[right])) !== rank) continue;

    symbols[pos] = BYTE_TOKENS + rank;
    symbols[right] = -1;
    const after = next[right];
    next[pos] = after;
    if (after >= 0) prev[after] = pos;

    const before = prev[pos];
    if (before >= 0) {
      const r = ranks.get(pairKey(symbols[before], symbols[pos]));
      if (r !== undefined) heap.push(r * POSITION_RANGE + before);
    }
    if (after >= 0) {
      const r = ranks.get(pairKey(symbols[pos], symbols[after]));
      if (r !== undefined) heap.push(r * POSITION_RANGE + pos);
    }
  }

  // Position 0 is never absorbed (merges keep their left symbol), so walking from it visits all tokens.
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(symbols[i]);
  return out;
}
