import { createRng, generateArithmeticProblems, loadSotuCorpus } from "@distillspec/datasets";
import type { DistillationExample } from "@distillspec/plugin-api";
import type { Tokenizer } from "@distillspec/tokenizer";

// Prompts and ground-truth examples of a distillation task, tokenized, for the data generators
// (DataGeneratorContext.datasetExamples / prompts) and for evaluation. Every call is a pure function of
// its seed, so a run's batches (and a resumed run's) are reproducible.

/** "mixed": half language modelling, half arithmetic, interleaved — a draft for both kinds of traffic. */
export const DISTILLATION_TASKS = ["language-modelling", "arithmetic", "mixed"] as const;
export type DistillationTask = (typeof DISTILLATION_TASKS)[number];

export function isDistillationTask(task: string): task is DistillationTask {
  return (DISTILLATION_TASKS as readonly string[]).includes(task);
}

export interface TaskDataOptions {
  /**
   * Language-modelling prompt length in tokens (default 32). Arithmetic prompts are whole problems: cutting
   * them would drop the numbers the answer depends on.
   */
  maxPromptTokens?: number;
  /** No prompt is longer than this, whatever the task (the model's context, less room to generate). */
  promptCap?: number;
  /** Longest ground-truth continuation in tokens. */
  maxContinuationTokens?: number;
}

export interface TaskData {
  readonly task: DistillationTask;
  /** Ground-truth (prompt, continuation) pairs from the training split. */
  examples(count: number, seed: bigint): DistillationExample[];
  /** Prompts from the training split (what generators sample continuations for). */
  prompts(count: number, seed: bigint): number[][];
  /** Held-out prompts for α / τ evaluation (test split). */
  evalPrompts(count: number, seed: bigint): number[][];
}

/** Folds a 64-bit seed into the 32-bit seeds the dataset generators take. */
function seed32(seed: bigint): number {
  const s = BigInt.asUintN(64, seed);
  return Number((s ^ (s >> 32n)) & 0xffff_ffffn);
}

export function createTaskData(
  task: DistillationTask,
  tokenizer: Tokenizer,
  options: TaskDataOptions = {},
): TaskData {
  if (task === "mixed") {
    return mixedTaskData(
      createTaskData("language-modelling", tokenizer, options),
      createTaskData("arithmetic", tokenizer, options),
    );
  }
  const cap = options.promptCap ?? Number.POSITIVE_INFINITY;
  const maxPrompt = Math.min(options.maxPromptTokens ?? 32, cap);
  const maxContinuation = options.maxContinuationTokens ?? 64;
  // Over the cap, keep the end: it is what the continuation follows.
  const cutPrompt = (tokens: number[]) => (tokens.length > cap ? tokens.slice(-cap) : tokens);
  if (task === "arithmetic") {
    const problems = (count: number, seed: bigint, split: "train" | "test") =>
      generateArithmeticProblems(count, { seed: seed32(seed), split });
    return {
      task,
      examples: (count, seed) =>
        problems(count, seed, "train").map((p) => ({
          prompt: cutPrompt(tokenizer.encode(p.prompt)),
          continuation: tokenizer.encode(p.target).slice(0, maxContinuation),
        })),
      prompts: (count, seed) =>
        problems(count, seed, "train").map((p) => cutPrompt(tokenizer.encode(p.prompt))),
      evalPrompts: (count, seed) =>
        problems(count, seed, "test").map((p) => cutPrompt(tokenizer.encode(p.prompt))),
    };
  }
  const windows = (count: number, seed: bigint, split: "train" | "test") =>
    sotuWindows(sotuSplit(split), tokenizer, count, seed32(seed), maxPrompt, maxContinuation);
  return {
    task,
    examples: (count, seed) => windows(count, seed, "train"),
    prompts: (count, seed) => windows(count, seed, "train").map((w) => w.prompt),
    evalPrompts: (count, seed) => windows(count, seed, "test").map((w) => w.prompt),
  };
}

/** Alternates items of the two tasks (a first), each drawn with its own seed stream. */
function mixedTaskData(a: TaskData, b: TaskData): TaskData {
  const mix =
    <T>(pick: (data: TaskData) => (count: number, seed: bigint) => T[]) =>
    (count: number, seed: bigint): T[] => {
      const fromA = pick(a)(Math.ceil(count / 2), seed);
      const fromB = pick(b)(Math.floor(count / 2), BigInt.asUintN(64, seed ^ 0x6d69786564n));
      return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? fromA[i >> 1] : fromB[i >> 1]));
    };
  return {
    task: "mixed",
    examples: mix((d) => d.examples),
    prompts: mix((d) => d.prompts),
    evalPrompts: mix((d) => d.evalPrompts),
  };
}

let sotu: ReturnType<typeof loadSotuCorpus> | undefined;
/** The corpus is ~10 MB: read once per process, on first use. */
function sotuSplit(split: "train" | "test"): string[] {
  sotu ??= loadSotuCorpus();
  return sotu[split];
}

/**
 * `count` windows (prompt of maxPrompt tokens, continuation of maxContinuation) at seeded positions. Only a
 * slice of text around each position is tokenized (the whole corpus would be slow), starting at a word
 * boundary so the first token is one the tokenizer would produce in running text.
 */
function sotuWindows(
  documents: readonly string[],
  tokenizer: Tokenizer,
  count: number,
  seed: number,
  maxPrompt: number,
  maxContinuation: number,
): DistillationExample[] {
  const rng = createRng(seed);
  const want = maxPrompt + maxContinuation;
  const out: DistillationExample[] = [];
  for (let attempt = 0; out.length < count; attempt++) {
    if (attempt > count * 20)
      throw new Error("language-modelling task: the corpus has no long enough documents");
    const doc = rng.pick(documents);
    // ~4 characters a token; twice that leaves room for the dropped partial word and dense text.
    const span = want * 8;
    const from = rng.int(0, Math.max(0, doc.length - span));
    const space = doc.indexOf(" ", from);
    const text = doc.slice(space < 0 ? from : space + 1, from + span);
    const tokens = tokenizer.encode(text);
    if (tokens.length < want) continue;
    out.push({ prompt: tokens.slice(0, maxPrompt), continuation: tokens.slice(maxPrompt, want) });
  }
  return out;
}
