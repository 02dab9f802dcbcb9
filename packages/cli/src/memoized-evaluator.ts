import { createHash } from "node:crypto";
import type { DraftEvaluator, EvaluationRequest } from "@distillspec/distill";
import type { Weights } from "@distillspec/model";

// bench distill starts every run from the same draft, and each run evaluates it before its first step:
// with the same prompts, temperature and seed that is the same evaluation again (seconds each, dozens of
// runs). Evaluations are deterministic given weights and request, so a repeat is answered from memory.

/** Same weights (by content) and same request → the first evaluation's result. A failure is not kept. */
export function memoizeEvaluator(evaluate: DraftEvaluator): DraftEvaluator {
  const results = new Map<string, ReturnType<DraftEvaluator>>();
  return (weights, request) => {
    const key = evaluationKey(weights, request);
    const known = results.get(key);
    if (known) return known;
    const result = evaluate(weights, request);
    results.set(key, result);
    result.catch(() => results.delete(key));
    return result;
  };
}

export function evaluationKey(weights: Weights, request: EvaluationRequest): string {
  const hash = createHash("sha256");
  for (const [name, values] of weights) {
    hash.update(name);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  hash.update(JSON.stringify(request, (_, v) => (typeof v === "bigint" ? `${v}n` : v)));
  return hash.digest("hex");
}
