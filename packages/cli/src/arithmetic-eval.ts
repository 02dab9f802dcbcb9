import { checkAnswer, generateArithmeticProblems } from "@distillspec/datasets";
import type { ModelRunner } from "@distillspec/model";
import type { Tokenizer } from "@distillspec/tokenizer";
import { greedyGenerate } from "./greedy-generate.js";

/** Greedy exact-match accuracy on held-out arithmetic word problems (test split). */
export async function arithmeticAccuracy(
  runner: ModelRunner,
  tokenizer: Tokenizer,
  count: number,
  seed = 1234,
): Promise<{ accuracy: number; correct: number; count: number }> {
  const problems = generateArithmeticProblems(count, { seed, split: "test" });
  let correct = 0;
  for (const problem of problems) {
    const prompt = tokenizer.encode(problem.prompt);
    const generated = await greedyGenerate(runner, prompt, 160, (ids) => {
      // Done at end of text, or once the final "#### N" line is complete.
      return ids[ids.length - 1] === tokenizer.eosId || /####\s*-?\d+\s*\n/.test(tokenizer.decode(ids));
    });
    if (checkAnswer(tokenizer.decode(generated), problem.answer)) correct++;
  }
  return { accuracy: correct / count, correct, count };
}
