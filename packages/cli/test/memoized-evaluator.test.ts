import type { EvaluationRequest } from "@distillspec/distill";
import { describe, expect, it } from "vitest";
import { memoizeEvaluator } from "../src/memoized-evaluator.js";

const request: EvaluationRequest = {
  prompts: [[1, 2, 3]],
  gamma: 4,
  temperature: 1,
  maxNewTokens: 8,
  seed: 7n,
};
const weightsOf = (x: number) => new Map([["w", Float32Array.from([x, 2, 3])]]);

describe("memoizeEvaluator", () => {
  it("answers a repeat (same weights by content, same request) without evaluating again", async () => {
    const calls: number[] = [];
    const evaluate = memoizeEvaluator(async (weights) => {
      calls.push(weights.get("w")![0]);
      return { alpha: weights.get("w")![0] / 10, tau: 2 };
    });
    const first = await evaluate(weightsOf(1), request);
    expect(await evaluate(weightsOf(1), request)).toEqual(first); // a copy of the weights, not the same Map
    expect(calls).toEqual([1]);
    await evaluate(weightsOf(2), request);
    await evaluate(weightsOf(1), { ...request, seed: 8n });
    await evaluate(weightsOf(1), { ...request, prompts: [[1, 2, 4]] });
    expect(calls).toEqual([1, 2, 1, 1]);
  });

  it("does not keep a failure", async () => {
    let fail = true;
    const evaluate = memoizeEvaluator(async () => {
      if (fail) throw new Error("target unreachable");
      return { alpha: 0.5, tau: 2 };
    });
    await expect(evaluate(weightsOf(1), request)).rejects.toThrow("target unreachable");
    fail = false;
    expect(await evaluate(weightsOf(1), request)).toEqual({ alpha: 0.5, tau: 2 });
  });
});
