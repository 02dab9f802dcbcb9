import { createRng } from "@distillspec/core";
import { generateArithmeticProblems, loadSotuCorpus } from "@distillspec/datasets";
import type { DistillationExample } from "@distillspec/plugin-api";
import type { Tokenizer } from "@distillspec/tokenizer";

// The two tasks of the distillation benchmark, as token sequences: training examples (prompt + ground-truth
// continuation, for fixed data), training prompts (for teacher and on-policy data) and held-out eval prompts.

export type DistillTask = "arithmetic" | "language-modelling";

export interface TaskData {
  examples(count: number, seed: bigint): DistillationExample[];
  prompts(count: number, seed: bigint): number[][];
  evalPrompts(count: number): number[][];
  /** Arithmetic only: held-out problems with their answers. */
  evalProblems?(count: number): { prompt: number[]; answer: number }[];
}

export function createTaskData(task: DistillTask, tokenizer: Tokenizer): TaskData {
  if (task === "arithmetic") {
    const encode = (count: number, seed: bigint, split: "train" | "test") =>
      generateArithmeticProblems(count, { seed: Number(seed % 2_147_483_647n), split });
    return {
      examples: (count, seed) =>
        encode(count, seed, "train").map((p) => ({
          prompt: tokenizer.encode(p.prompt),
          continuation: tokenizer.encode(p.target),
        })),
      prompts: (count, seed) => encode(count, seed, "train").map((p) => tokenizer.encode(p.prompt)),
      evalPrompts: (count) => encode(count, 424242n, "test").map((p) => tokenizer.encode(p.prompt)),
      evalProblems: (count) =>
        encode(count, 424242n, "test").map((p) => ({ prompt: tokenizer.encode(p.prompt), answer: p.answer })),
    };
  }
  // Language modelling: windows of SOTU text, a 32-token prompt and a 48-token continuation.
  const corpus = loadSotuCorpus();
  const train = tokenizer.encode(corpus.train.join("\n\n"));
  const test = tokenizer.encode(corpus.test.join("\n\n"));
  const window = (stream: number[], count: number, seed: bigint) => {
    const rng = createRng(seed);
    return Array.from({ length: count }, () => {
      const start = rng.int(stream.length - 80);
      return { prompt: stream.slice(start, start + 32), continuation: stream.slice(start + 32, start + 80) };
    });
  };
  return {
    examples: (count, seed) => window(train, count, seed),
    prompts: (count, seed) => window(train, count, seed).map((e) => e.prompt),
    evalPrompts: (count) => window(test, count, 424242n).map((e) => e.prompt),
  };
}
