import { defineDivergence, PLUGIN_API_VERSION } from "@distillspec/plugin-api";

// Generalised Jensen–Shannon: β·KL(p ‖ m) + (1−β)·KL(q ‖ m) with m = βp + (1−β)q; β = 0.5 is the usual JSD.

export interface JsdOptions {
  beta?: number;
}

function parseOptions(options: unknown): { beta: number } {
  if (options === undefined) return { beta: 0.5 };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new RangeError(`jsd options must be an object { beta }, got ${JSON.stringify(options)}`);
  }
  const { beta = 0.5, ...rest } = options as JsdOptions & Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new RangeError(`jsd: unknown option(s) ${unknown.join(", ")}; expected beta`);
  // The endpoints make JSD identically zero, so they are refused rather than silently training nothing.
  if (typeof beta !== "number" || !(beta > 0 && beta < 1)) {
    throw new RangeError(`jsd: beta must be a number in (0, 1), got ${JSON.stringify(beta)}`);
  }
  return { beta };
}

export const jsd = defineDivergence({
  meta: { name: "@distillspec/divergence-jsd", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "jsd",
  create(options) {
    const { beta } = parseOptions(options);
    return {
      id: "jsd",
      compute(ops, { p, q, logP, logQ }) {
        const b = ops.scalar(beta);
        const c = ops.scalar(1 - beta);
        const logM = ops.log(ops.add(ops.mul(b, p), ops.mul(c, q)));
        const klP = ops.sumLast(ops.xlogRatio(p, logP, logM));
        const klQ = ops.sumLast(ops.xlogRatio(q, logQ, logM));
        return ops.add(ops.mul(b, klP), ops.mul(c, klQ));
      },
    };
  },
});
