import type { AcceptArgs, AcceptanceRule } from "@distillspec/core";

/**
 * LOSSY typical acceptance (Medusa; vLLM's TypicalAcceptanceSampler): accept the draft token x iff
 * p(x) > min(ε, δ·exp(−H(p))), H(p) the entropy of the target's distribution in nats. A confident
 * (low-entropy) target demands up to ε of mass on x; an uncertain one accepts anything "typical".
 * The draft's q and the draw r are ignored, so the output does not follow the target's
 * distribution. Rejections recover from norm(max(0, p − q)) like lossless (the step's default).
 */

export interface TypicalOptions {
  /** Posterior threshold ε ∈ (0, 1]. */
  epsilon: number;
  /** Entropy scale δ > 0 (vLLM's posterior_alpha). */
  delta: number;
}

export const TYPICAL_DEFAULTS: Readonly<TypicalOptions> = { epsilon: 0.09, delta: 0.3 };

const KEYS = new Set(["epsilon", "delta"]);

/** Checks raw (JSON) options, filling defaults; throws a RangeError naming the bad option and value. */
export function parseTypicalOptions(options: unknown): TypicalOptions {
  if (options === undefined || options === null) return { ...TYPICAL_DEFAULTS };
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new RangeError(`typical: options must be an object { epsilon?, delta? }, got ${describe(options)}`);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.has(key)) throw new RangeError(`typical: unknown option "${key}" (allowed: epsilon, delta)`);
  }
  const epsilon = record.epsilon ?? TYPICAL_DEFAULTS.epsilon;
  const delta = record.delta ?? TYPICAL_DEFAULTS.delta;
  if (typeof epsilon !== "number" || !(epsilon > 0 && epsilon <= 1)) {
    throw new RangeError(`typical: option "epsilon" must be a number in (0, 1], got ${describe(epsilon)}`);
  }
  if (typeof delta !== "number" || !(delta > 0 && Number.isFinite(delta))) {
    throw new RangeError(`typical: option "delta" must be a finite number > 0, got ${describe(delta)}`);
  }
  return { epsilon, delta };
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value); // JSON.stringify would print NaN as null
  return value === undefined ? "undefined" : JSON.stringify(value);
}

/** Shannon entropy in nats; 0·log 0 = 0. */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

export function createTypicalRule(options?: unknown): AcceptanceRule {
  const { epsilon, delta } = parseTypicalOptions(options);
  return {
    id: `typical:${epsilon}:${delta}`,
    accept({ token, p }: AcceptArgs): boolean {
      const px = p[token];
      // Guard explicitly: keeps a zero-probability token out even if the threshold underflowed to 0.
      if (!(px > 0)) return false;
      return px > Math.min(epsilon, delta * Math.exp(-entropy(p)));
    },
  };
}
