import { BinaryHeap } from "./binary-heap.js";
import { MAX_VOCAB_SIZE, pairKey, pairLeft, pairRight } from "./pair-key.js";
import { createPretokenRegex } from "./pretokenize.js";
import { Tokenizer } from "./tokenizer.js";
import { DEFAULT_SPECIAL_TOKENS } from "./tokenizer-format.js";
import { utf8Encode } from "./utf8.js";

const BYTE_TOKENS = 256;

export interface TrainTokenizerOptions {
  /** Total vocabulary including the 256 byte tokens and the special tokens. Default 2048. */
  vocabSize?: number;
  /** Appended after the merges; must include <|bos|>, <|eos|> and <|pad|>. */
  specialTokens?: readonly string[];
  /**
   * Stop merging once the best pair occurs fewer times than this (default 2), so a small
   * corpus yields fewer merges instead of memorising one-off pairs. The resulting vocabSize
   * can then be below the requested one.
   */
  minFrequency?: number;
}

interface PairEntry {
  count: number;
  key: number;
}

// Highest count first; ties go to the smallest (left, right) id pair, which makes training deterministic.
const pairBefore = (a: PairEntry, b: PairEntry): boolean =>
  a.count > b.count || (a.count === b.count && a.key < b.key);

/**
 * Trains a byte-level BPE tokenizer.
 *
 * Unique pre-tokens are counted once; afterwards every merge only revisits the words that
 * contain the merged pair (via a pair -> words index) and updates pair counts incrementally.
 * A lazy max-heap picks the next pair: stale entries are re-queued with their current count.
 */
export function trainTokenizer(texts: Iterable<string>, options: TrainTokenizerOptions = {}): Tokenizer {
  const vocabSize = options.vocabSize ?? 2048;
  const specialTokens = options.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  const minFrequency = options.minFrequency ?? 2;
  const minVocab = BYTE_TOKENS + specialTokens.length;
  if (!Number.isInteger(vocabSize) || vocabSize < minVocab || vocabSize > MAX_VOCAB_SIZE) {
    throw new RangeError(
      `vocabSize must be an integer in [${minVocab}, ${MAX_VOCAB_SIZE}], got ${vocabSize}`,
    );
  }
  const maxMerges = vocabSize - minVocab;

  // Words are mutable symbol sequences; single-byte pre-tokens can never merge, so they are dropped.
  const words: number[][] = [];
  const wordCounts: number[] = [];
  for (const [piece, count] of countPretokens(texts)) {
    const bytes = utf8Encode(piece);
    if (bytes.length < 2) continue;
    words.push(Array.from(bytes));
    wordCounts.push(count);
  }

  const pairCounts = new Map<number, number>();
  // May hold stale or repeated word indices; merging such a word again is a harmless no-op.
  const wordsWithPair = new Map<number, number[]>();
  const indexWord = (key: number, word: number) => {
    const list = wordsWithPair.get(key);
    if (list === undefined) wordsWithPair.set(key, [word]);
    else if (list[list.length - 1] !== word) list.push(word);
  };
  for (let w = 0; w < words.length; w++) {
    const symbols = words[w];
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = pairKey(symbols[i], symbols[i + 1]);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + wordCounts[w]);
      indexWord(key, w);
    }
  }

  const heap = new BinaryHeap<PairEntry>(pairBefore);
  for (const [key, count] of pairCounts) heap.push({ count, key });

  const merges: [number, number][] = [];
  const touched = new Set<number>();
  while (merges.length < maxMerges) {
    const top = heap.pop();
    if (top === undefined) break;
    const current = pairCounts.get(top.key) ?? 0;
    // Counts of existing pairs only ever decrease, so an entry that disagrees is an overestimate.
    if (current !== top.count) {
      if (current > 0) heap.push({ count: current, key: top.key });
      continue;
    }
    if (current < minFrequency) break;

    const left = pairLeft(top.key);
    const right = pairRight(top.key);
    const merged = BYTE_TOKENS + merges.length;
    merges.push([left, right]);
    touched.clear();

    for (const w of wordsWithPair.get(top.key) ?? []) {
      const symbols = words[w];
      const replaced = replacePair(symbols, left, right, merged);
      if (replaced === null) continue;
      const count = wordCounts[w];
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = pairKey(symbols[i], symbols[i + 1]);
        const next = pairCounts.get(key)! - count;
        if (next === 0) pairCounts.delete(key);
        else pairCounts.set(key, next);
      }
      for (let i = 0; i + 1 < replaced.length; i++) {
        const a = replaced[i];
        const b = replaced[i + 1];
        const key = pairKey(a, b);
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
        // Only pairs containing the new token can gain count; the rest are fixed lazily on pop.
        if (a === merged || b === merged) {
          touched.add(key);
          indexWord(key, w);
        }
      }
      words[w] = replaced;
    }
    wordsWithPair.delete(top.key);
    for (const key of touched) heap.push({ count: pairCounts.get(key)!, key });
  }

  return new Tokenizer({ merges, specialTokens });
}

function countPretokens(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  const re = createPretokenRegex();
  for (const text of texts) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const piece = m[0];
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
    }
  }
  return counts;
}

/** Left-to-right, non-overlapping replacement (the same order encoding uses); null if absent. */
function replacePair(symbols: number[], left: number, right: number, merged: number): number[] | null {
  let i = 0;
  while (i + 1 < symbols.length && !(symbols[i] === left && symbols[i + 1] === right)) i++;
  if (i + 1 >= symbols.length) return null;
  const out = symbols.slice(0, i);
  while (i < symbols.length) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(merged);
      i += 2;
    } else {
      out.push(symbols[i]);
      i++;
    }
  }
  return out;
}
