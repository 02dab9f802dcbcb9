import type { TrainBatch } from "@distillspec/model";
import type { DistillationExample } from "@distillspec/plugin-api";

// Turns distillation examples into fixed-size training rows and teacher targets. A row is prompt +
// continuation; position t counts towards the loss only when the token it predicts (t + 1) belongs to the
// continuation, which realises the objective's (1/|y|) Σ_t over y and nothing else.

const PAD = 0;

export interface TrainingRows {
  /** The unpadded token row of each example (what the teacher scores). */
  tokens: number[][];
  ids: Int32Array;
  targets: Int32Array;
  lossMask: Float32Array;
  /** Positions that count towards the loss, over the whole batch. */
  lossTokens: number;
}

/**
 * Fits one example into `seqLen` tokens. Too long: drop prompt tokens from the front (keeping at least one,
 * so the first continuation token is still predicted), then cut the continuation's tail.
 */
export function fitExample(
  example: DistillationExample,
  seqLen: number,
): { row: number[]; promptLength: number } {
  const { prompt, continuation } = example;
  if (prompt.length === 0) throw new RangeError("distillation example has an empty prompt");
  if (prompt.length + continuation.length <= seqLen) {
    return { row: [...prompt, ...continuation], promptLength: prompt.length };
  }
  const keepPrompt = Math.min(prompt.length, Math.max(1, seqLen - continuation.length));
  const row = [...prompt.slice(prompt.length - keepPrompt), ...continuation].slice(0, seqLen);
  return { row, promptLength: keepPrompt };
}

export function buildTrainingRows(
  examples: readonly DistillationExample[],
  seqLen: number,
  vocabSize: number,
): TrainingRows {
  const n = examples.length * seqLen;
  const ids = new Int32Array(n).fill(PAD);
  const targets = new Int32Array(n).fill(PAD);
  const lossMask = new Float32Array(n);
  const tokens: number[][] = [];
  let lossTokens = 0;
  examples.forEach((example, r) => {
    const { row, promptLength } = fitExample(example, seqLen);
    for (const t of row) {
      if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
        throw new RangeError(`distillation example ${r} holds token ${t} outside [0, ${vocabSize})`);
      }
    }
    tokens.push(row);
    const base = r * seqLen;
    ids.set(row, base);
    targets.set(row.slice(1), base);
    for (let t = promptLength - 1; t < row.length - 1; t++) lossMask[base + t] = 1;
    lossTokens += Math.max(0, row.length - promptLength);
  });
  return { tokens, ids, targets, lossMask, lossTokens };
}

/**
 * Lays the teacher's [len × vocab] distributions out as [batch · seqLen · vocab]. Pad positions get a
 * uniform distribution: they are masked out, but a finite, normalised p keeps every divergence (and its
 * gradient) free of 0·∞ = NaN there.
 */
export function assembleTeacherProbs(
  rows: TrainingRows,
  teacher: readonly Float32Array[],
  seqLen: number,
  vocabSize: number,
): Float32Array {
  if (teacher.length !== rows.tokens.length) {
    throw new Error(`teacher scored ${teacher.length} sequences, expected ${rows.tokens.length}`);
  }
  const out = new Float32Array(rows.tokens.length * seqLen * vocabSize).fill(1 / vocabSize);
  rows.tokens.forEach((row, r) => {
    if (teacher[r].length !== row.length * vocabSize) {
      throw new Error(
        `teacher returned ${teacher[r].length} values for sequence ${r}, expected ${row.length}×${vocabSize} ` +
          "(same tokenizer and vocabulary as the draft?)",
      );
    }
    out.set(teacher[r], r * seqLen * vocabSize);
  });
  return out;
}

export function toTrainBatch(rows: TrainingRows, teacherProbs: Float32Array): TrainBatch {
  return { ids: rows.ids, targets: rows.targets, lossMask: rows.lossMask, teacherProbs };
}
