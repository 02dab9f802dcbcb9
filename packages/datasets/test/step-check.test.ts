import { describe, expect, it } from "vitest";
import { checkSteps, generateArithmeticProblems } from "../src/index.js";

describe("checkSteps", () => {
  it("counts step lines and the correct ones, up to the answer line", () => {
    expect(checkSteps(" 51 - 35 = 16\n16 + 11 = 27\n#### 27\n3 + 3 = 6")).toEqual({ total: 2, correct: 2 });
    expect(checkSteps(" 51 - 35 = 17\n17 * 2 = 34\n12 / 4 = 3\n9 / 2 = 4")).toEqual({ total: 4, correct: 2 });
  });

  it("ignores lines that are not a single `a op b = c`", () => {
    expect(checkSteps("He has 5 apples.\n5 + 3 = \n= 8\n2 + 2 + 2 = 6\n4 + 4 = 8")).toEqual({
      total: 1,
      correct: 1,
    });
    expect(checkSteps("")).toEqual({ total: 0, correct: 0 });
  });

  it("finds every step of every reference solution correct", () => {
    for (const problem of generateArithmeticProblems(200, { seed: 3 })) {
      expect(checkSteps(problem.target)).toEqual({
        total: problem.steps.length,
        correct: problem.steps.length,
      });
    }
  });
});
