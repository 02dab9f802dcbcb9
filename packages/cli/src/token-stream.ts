import type { Rng } from "@distillspec/core";
import type { Tokenizer } from "@distillspec/tokenizer";

// A corpus as one long token array (documents joined by <|eos|>), and random training windows over it.

export function encodeDocuments(tokenizer: Tokenizer, documents: readonly string[]): Int32Array {
  const parts = documents.map((doc) => tokenizer.encode(doc, { eos: true }));
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export interface WindowBatch {
  ids: Int32Array;
  targets: Int32Array;
  lossMask: Float32Array;
}

/** `rows` windows of seqLen+1 tokens at random offsets: inputs are the first seqLen, targets the next. */
export function sampleWindows(stream: Int32Array, rows: number, seqLen: number, rng: Rng): WindowBatch {
  if (stream.length < seqLen + 1)
    throw new RangeError(`corpus of ${stream.length} tokens is shorter than a window`);
  const ids = new Int32Array(rows * seqLen);
  const targets = new Int32Array(rows * seqLen);
  for (let r = 0; r < rows; r++) {
    const start = rng.int(stream.length - seqLen);
    ids.set(stream.subarray(start, start + seqLen), r * seqLen);
    targets.set(stream.subarray(start + 1, start + seqLen + 1), r * seqLen);
  }
  return { ids, targets, lossMask: new Float32Array(rows * seqLen).fill(1) };
}

/** Consecutive non-overlapping windows from the start: a fixed validation set. */
export function fixedWindows(stream: Int32Array, rows: number, seqLen: number, count: number): WindowBatch[] {
  const batches: WindowBatch[] = [];
  let start = 0;
  for (let b = 0; b < count && start + rows * (seqLen + 1) <= stream.length; b++) {
    const ids = new Int32Array(rows * seqLen);
    const targets = new Int32Array(rows * seqLen);
    for (let r = 0; r < rows; r++, start += seqLen) {
      ids.set(stream.subarray(start, start + seqLen), r * seqLen);
      targets.set(stream.subarray(start + 1, start + seqLen + 1), r * seqLen);
    }
    batches.push({ ids, targets, lossMask: new Float32Array(rows * seqLen).fill(1) });
  }
  return batches;
}
