import type { DistillationConfig } from "./distillation-config.js";

// How a distilled draft was made, kept in its checkpoint's metadata under "distilled": written by
// `distillspec distill` and `bench distill --keep-drafts`, read back by `bench distill --drafts`.

export interface DistilledRecipe {
  /** The starting draft (a path), or the tool that made it. */
  from: string;
  task: string;
  divergence: string;
  generator: string;
  steps: number;
  batch: number;
  seqLen: number;
  learningRate: number;
  /** The decoding temperature the draft was distilled for (0 = greedy). */
  temperature: number;
  seed: number | bigint;
}

export function distilledRecipe(
  config: DistillationConfig,
  made: Pick<DistilledRecipe, "from" | "task" | "divergence" | "generator">,
): DistilledRecipe {
  return {
    ...made,
    steps: config.steps,
    batch: config.batchSize,
    seqLen: config.seqLen,
    learningRate: config.learningRate,
    temperature: config.temperature,
    seed: config.seed,
  };
}

/** The recipe in a checkpoint's metadata; "unknown" / NaN for what it does not record. */
export function readDistilledRecipe(metadata: Record<string, unknown>): DistilledRecipe {
  const recipe = (metadata.distilled ?? {}) as Record<string, unknown>;
  const text = (x: unknown) => (typeof x === "string" ? x : "unknown");
  const number = (x: unknown) => (typeof x === "number" ? x : Number.NaN);
  return {
    from: text(recipe.from),
    task: text(recipe.task),
    divergence: text(recipe.divergence),
    generator: text(recipe.generator),
    steps: number(recipe.steps),
    batch: number(recipe.batch),
    seqLen: number(recipe.seqLen),
    learningRate: number(recipe.learningRate),
    temperature: number(recipe.temperature),
    seed: number(recipe.seed),
  };
}
