import { describe, expect, it } from "vitest";
import {
  type ArithmeticProblem,
  applyOp,
  arithmeticSplitOf,
  checkAnswer,
  createArithmeticTask,
  extractAnswer,
  generateArithmeticProblems,
} from "../src/index.js";

const STEP_LINE = /^(\d+) ([-+*/]) (\d+) = (\d+)$/;

/** Recomputes every `a op b = c` line of the target and returns the checked final value. */
function verifyTarget(problem: ArithmeticProblem): number {
  expect(problem.target.startsWith(" ")).toBe(true);
  expect(problem.target.endsWith("\n")).toBe(true);
  const lines = problem.target.slice(1, -1).split("\n");
  const final = lines.pop()!;
  expect(final).toMatch(/^#### \d+$/);
  expect(lines.length).toBeGreaterThanOrEqual(2);
  expect(lines.length).toBeLessThanOrEqual(4);
  let last = Number.NaN;
  for (const line of lines) {
    const m = STEP_LINE.exec(line);
    expect(m, line).not.toBeNull();
    const [, a, op, b, c] = m!;
    const value = applyOp(Number(a), op as "+" | "-" | "*" | "/", Number(b));
    expect(Number.isInteger(value), line).toBe(true);
    expect(value, line).toBe(Number(c));
    last = value;
  }
  expect(Number(final.slice(5))).toBe(last);
  return last;
}

describe("arithmetic problems", () => {
  const train = generateArithmeticProblems(2000, { seed: 7, split: "train" });
  const test = generateArithmeticProblems(2000, { seed: 7, split: "test" });

  it("have correct worked solutions and answers", () => {
    for (const p of [...train, ...test]) {
      expect(verifyTarget(p)).toBe(p.answer);
      expect(p.answer).toBeGreaterThanOrEqual(0);
      expect(p.prompt).toBe(`Question: ${p.question}\nAnswer:`);
      expect(p.target).toBe(` ${p.solution}\n`);
      expect(p.steps).toHaveLength(p.solution.split("\n").length - 1);
      expect(extractAnswer(p.target)).toBe(p.answer);
      expect(checkAnswer(p.target, p.answer)).toBe(true);
    }
  });

  it("use all step counts and operators", () => {
    const counts = new Set(train.map((p) => p.steps.length));
    expect([...counts].sort()).toEqual([2, 3, 4]);
    const ops = new Set(train.flatMap((p) => p.steps.map((s) => s.op)));
    expect([...ops].sort()).toEqual(["*", "+", "-", "/"]);
    expect(new Set(train.map((p) => p.question)).size).toBeGreaterThan(1950);
  });

  it("never share a question between train and test", () => {
    const trainQuestions = new Set(train.map((p) => p.question));
    expect(test.filter((p) => trainQuestions.has(p.question))).toEqual([]);
    for (const p of train) expect(arithmeticSplitOf(p.question)).toBe("train");
    for (const p of test) expect(arithmeticSplitOf(p.question)).toBe("test");
    // Holds across seeds too, since membership is decided by the question text.
    const otherSeed = new Set(
      generateArithmeticProblems(2000, { seed: 8, split: "test" }).map((p) => p.question),
    );
    expect(train.filter((p) => otherSeed.has(p.question))).toEqual([]);
  });

  it("is deterministic per seed and varies across seeds", () => {
    expect(generateArithmeticProblems(50, { seed: 7, split: "train" })).toEqual(train.slice(0, 50));
    const task = createArithmeticTask({ seed: 7 });
    expect(task.split).toBe("train");
    expect([task.next(), ...task.take(9)]).toEqual(train.slice(0, 10));
    const other = generateArithmeticProblems(50, { seed: 8, split: "train" });
    expect(other.map((p) => p.question)).not.toEqual(train.slice(0, 50).map((p) => p.question));
  });
});

describe("extractAnswer / checkAnswer", () => {
  it("parses the first #### marker", () => {
    expect(extractAnswer(" 3 * 4 = 12\n#### 12\n")).toBe(12);
    expect(extractAnswer("#### 1,234")).toBe(1234);
    expect(extractAnswer("####-5")).toBe(-5);
    expect(extractAnswer("#### 2.5 then #### 7")).toBe(2.5);
    expect(extractAnswer("#### 12\nQuestion: ... #### 99")).toBe(12);
    expect(extractAnswer("no marker 12")).toBeNull();
    expect(extractAnswer("#### twelve")).toBeNull();
  });

  it("compares with the expected answer", () => {
    expect(checkAnswer(" 5 + 7 = 12\n#### 12\nQuestion: next", 12)).toBe(true);
    expect(checkAnswer(" 5 + 7 = 12\n#### 13", 12)).toBe(false);
    expect(checkAnswer(" 5 + 7 = 12", 12)).toBe(false);
  });
});
