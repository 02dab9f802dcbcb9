import { defineDivergence, PLUGIN_API_VERSION } from "@distillspec/plugin-api";

// Reverse KL, KL(q ‖ p) = Σ q log(q/p): mode seeking (infinite where q > 0 but p = 0).

export const rkl = defineDivergence({
  meta: { name: "@distillspec/divergence-rkl", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "rkl",
  create(options) {
    if (
      options !== undefined &&
      (typeof options !== "object" || options === null || Object.keys(options).length > 0)
    ) {
      throw new RangeError(`rkl takes no options, got ${JSON.stringify(options)}`);
    }
    return {
      id: "rkl",
      compute: (ops, { q, logP, logQ }) => ops.sumLast(ops.xlogRatio(q, logQ, logP)),
    };
  },
});
