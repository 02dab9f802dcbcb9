export type ArithmeticOp = "+" | "-" | "*" | "/";

/** One solution line: `left op right = result`, always with non-negative integers. */
export interface ArithmeticStep {
  left: number;
  op: ArithmeticOp;
  right: number;
  result: number;
}

export interface ArithmeticProblem {
  question: string;
  /** One `a op b = c` line per step, then `#### N`. */
  solution: string;
  answer: number;
  steps: ArithmeticStep[];
  /** What the model sees: `Question: ...\nAnswer:`. */
  prompt: string;
  /** The expected continuation of `prompt`: ` <solution>\n`. */
  target: string;
}

export function applyOp(left: number, op: ArithmeticOp, right: number): number {
  switch (op) {
    case "+":
      return left + right;
    case "-":
      return left - right;
    case "*":
      return left * right;
    case "/":
      return left / right;
  }
}

export function step(left: number, op: ArithmeticOp, right: number): ArithmeticStep {
  return { left, op, right, result: applyOp(left, op, right) };
}

export function formatStep(s: ArithmeticStep): string {
  return `${s.left} ${s.op} ${s.right} = ${s.result}`;
}

/** The answer is the last step's result. */
export function buildProblem(question: string, steps: ArithmeticStep[]): ArithmeticProblem {
  const answer = steps[steps.length - 1].result;
  const solution = [...steps.map(formatStep), `#### ${answer}`].join("\n");
  return {
    question,
    solution,
    answer,
    steps,
    prompt: `Question: ${question}\nAnswer:`,
    target: ` ${solution}\n`,
  };
}
