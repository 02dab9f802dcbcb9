import { defineDivergence, PLUGIN_API_VERSION } from "@distillspec/plugin-api";

// Forward KL, KL(p ‖ q) = Σ p log(p/q): mode covering (the student must put mass wherever the teacher does).

export const fkl = defineDivergence({
  meta: { name: "@distillspec/divergence-fkl", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "fkl",
  create(options) {
    if (
      options !== undefined &&
      (typeof options !== "object" || options === null || Object.keys(options).length > 0)
    ) {
      throw new RangeError(`fkl takes no options, got ${JSON.stringify(options)}`);
    }
    return {
      id: "fkl",
      compute: (ops, { p, logP, logQ }) => ops.sumLast(ops.xlogRatio(p, logP, logQ)),
    };
  },
});
