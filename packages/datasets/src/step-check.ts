import { type ArithmeticOp, applyOp } from "./arithmetic-problem.js";

// Per-step correctness of a generated solution: whether each `a op b = c` line it writes is right.
// Weak models rarely get a whole multi-step problem right, so final-answer accuracy is all zeros and
// noise; the steps they write give many more, finer-grained checks of the same skill.

const STEP_LINE = /^\s*(\d+)\s*([+\-*/])\s*(\d+)\s*=\s*(-?\d+(?:\.\d+)?)\s*$/;

export interface StepCheck {
  /** Lines of the form `a op b = c` before the `####` answer line. */
  total: number;
  /** Of those, the ones where c really is a op b. */
  correct: number;
}

export function checkSteps(solution: string): StepCheck {
  const result: StepCheck = { total: 0, correct: 0 };
  for (const line of solution.split("\n")) {
    if (line.trimStart().startsWith("####")) break;
    const match = STEP_LINE.exec(line);
    if (match === null) continue;
    const [, left, op, right, claimed] = match;
    result.total++;
    if (applyOp(Number(left), op as ArithmeticOp, Number(right)) === Number(claimed)) result.correct++;
  }
  return result;
}
