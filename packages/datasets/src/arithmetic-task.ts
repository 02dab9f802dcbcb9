import { type ArithmeticProblem, buildProblem } from "./arithmetic-problem.js";
import { STORY_TEMPLATES } from "./arithmetic-templates.js";
import { hashString } from "./hash-string.js";
import { createRng, deriveSeed } from "./prng.js";

export type ArithmeticSplit = "train" | "test";

export interface ArithmeticTaskOptions {
  seed?: number;
  split?: ArithmeticSplit;
}

export interface ArithmeticTask {
  readonly split: ArithmeticSplit;
  next(): ArithmeticProblem;
  take(count: number): ArithmeticProblem[];
}

/**
 * The split a question text belongs to (1 in 5 hashes to test). Both splits filter their
 * draws by this, so no question text can ever appear in both, whatever the seeds.
 */
export function arithmeticSplitOf(question: string): ArithmeticSplit {
  return hashString(question) % 5 === 0 ? "test" : "train";
}

/**
 * An endless deterministic stream of GSM-style word problems (2-4 steps of + - * and exact /).
 * Each split draws from its own derived seed as well as its own hash bucket.
 */
export function createArithmeticTask(options: ArithmeticTaskOptions = {}): ArithmeticTask {
  const split = options.split ?? "train";
  const rng = createRng(deriveSeed(options.seed ?? 0, `arithmetic/${split}`));
  const next = (): ArithmeticProblem => {
    for (;;) {
      const story = rng.pick(STORY_TEMPLATES)(rng);
      if (story !== null && arithmeticSplitOf(story.question) === split) {
        return buildProblem(story.question, story.steps);
      }
    }
  };
  return {
    split,
    next,
    take: (count) => Array.from({ length: count }, next),
  };
}

export function generateArithmeticProblems(
  count: number,
  options: ArithmeticTaskOptions = {},
): ArithmeticProblem[] {
  return createArithmeticTask(options).take(count);
}
