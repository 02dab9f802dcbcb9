import type { AcceptArgs, AcceptanceRule } from "@distillspec/core";

/**
 * LOSSY top-k acceptance: accept the draft token x iff it is among the k most likely tokens of the
 * target's distribution p (ties broken by lower token id, like core's argmax). q and r are ignored,
 * so the output does not follow the target's distribution; k = 1 accepts exactly p's argmax.
 * Tokens with p(x) = 0 are always rejected so emitted tokens stay inside the target's support.
 * Rejections recover from norm(max(0, p − q)) like lossless (the step's default).
 */

export interface TopKOptions {
  /** Positive integer. */
  k: number;
}

/** Checks raw (JSON) options; throws a RangeError naming the bad option and its value. */
export function parseTopKOptions(options: unknown): TopKOptions {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new RangeError(`top-k: options must be an object { k }, got ${describe(options)}`);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== "k") throw new RangeError(`top-k: unknown option "${key}" (allowed: k)`);
  }
  const { k } = record;
  if (typeof k !== "number" || !Number.isSafeInteger(k) || k < 1) {
    throw new RangeError(`top-k: option "k" must be a positive integer, got ${describe(k)}`);
  }
  return { k };
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value); // JSON.stringify would print NaN as null
  return value === undefined ? "undefined" : JSON.stringify(value);
}

/** 0-based rank of `token` in p, ordered by probability descending, then token id ascending. */
export function rankOf(p: ArrayLike<number>, token: number): number {
  const px = p[token];
  let rank = 0;
  for (let j = 0; j < p.length; j++) {
    const v = p[j];
    if (v > px || (v === px && j < token)) rank++;
  }
  return rank;
}

export function createTopKRule(options: unknown): AcceptanceRule {
  const { k } = parseTopKOptions(options);
  return {
    id: `top-k:${k}`,
    accept({ token, p }: AcceptArgs): boolean {
      if (!(p[token] > 0)) return false;
      return rankOf(p, token) < k;
    },
  };
}
