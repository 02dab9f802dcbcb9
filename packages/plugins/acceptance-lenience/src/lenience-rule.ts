import type { AcceptArgs, AcceptanceRule } from "@distillspec/core";

/**
 * LOSSY lenience acceptance (DistillSpec §4): accept the draft token x iff
 * r < min(1, f(p(x), ε) / q(x)), with f_lin = p/ε, f_sq = p/ε², f_exp = p^ε and ε ∈ (0, 1].
 * Smaller ε accepts more draft tokens, so the output no longer follows the target's distribution:
 * quality is traded for latency. ε = 1 makes every f the identity and reproduces the lossless rule
 * decision for decision (same r, same edge cases). Rejections recover from norm(max(0, p − q)),
 * the step's default, so no `recover` is defined.
 */

export type LenienceFunction = "lin" | "sq" | "exp";

export interface LenienceOptions {
  f: LenienceFunction;
  /** Lenience ε ∈ (0, 1]; 1 is lossless. */
  epsilon: number;
}

const FUNCTIONS: readonly LenienceFunction[] = ["lin", "sq", "exp"];
const KEYS = new Set(["f", "epsilon"]);

/** Checks raw (JSON) options; throws a RangeError naming the bad option and its value. */
export function parseLenienceOptions(options: unknown): LenienceOptions {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new RangeError(`lenience: options must be an object { f, epsilon }, got ${describe(options)}`);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.has(key)) throw new RangeError(`lenience: unknown option "${key}" (allowed: f, epsilon)`);
  }
  const { f, epsilon } = record;
  if (typeof f !== "string" || !FUNCTIONS.includes(f as LenienceFunction)) {
    throw new RangeError(`lenience: option "f" must be one of "lin", "sq", "exp", got ${describe(f)}`);
  }
  if (typeof epsilon !== "number" || !(epsilon > 0 && epsilon <= 1)) {
    throw new RangeError(`lenience: option "epsilon" must be a number in (0, 1], got ${describe(epsilon)}`);
  }
  return { f: f as LenienceFunction, epsilon };
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value); // JSON.stringify would print NaN as null
  return value === undefined ? "undefined" : JSON.stringify(value);
}

/** f(p, ε); each is exactly p when ε = 1 (division by 1 and p ** 1 are exact in IEEE 754). */
function lenienceFunction(f: LenienceFunction, epsilon: number): (p: number) => number {
  switch (f) {
    case "lin":
      return (p) => p / epsilon;
    case "sq": {
      const e2 = epsilon * epsilon;
      return (p) => p / e2;
    }
    case "exp":
      return (p) => p ** epsilon;
  }
}

export function createLenienceRule(options: unknown): AcceptanceRule {
  const { f, epsilon } = parseLenienceOptions(options);
  const apply = lenienceFunction(f, epsilon);
  return {
    id: `lenience-${f}:${epsilon}`,
    accept({ token, p, q, r }: AcceptArgs): boolean {
      const px = p[token];
      const qx = q[token];
      // Edge cases mirror losslessRule: f(0) = 0 for every f (0^ε = 0 for ε > 0), so p(x) = 0
      // rejects; q(x) = 0 is the p/q = ∞ limit and accepts.
      if (!(px > 0)) return false;
      if (!(qx > 0)) return true;
      return r < Math.min(1, apply(px) / qx);
    },
  };
}
