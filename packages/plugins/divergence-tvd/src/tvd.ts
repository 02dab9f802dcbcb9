import { defineDivergence, PLUGIN_API_VERSION } from "@distillspec/plugin-api";

// Total variation ½ Σ |p − q| = 1 − Σ min(p, q): minimising it maximises token acceptance directly.

export const tvd = defineDivergence({
  meta: { name: "@distillspec/divergence-tvd", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "tvd",
  create(options) {
    if (
      options !== undefined &&
      (typeof options !== "object" || options === null || Object.keys(options).length > 0)
    ) {
      throw new RangeError(`tvd takes no options, got ${JSON.stringify(options)}`);
    }
    return {
      id: "tvd",
      compute: (ops, { p, q }) => ops.mul(ops.scalar(0.5), ops.sumLast(ops.abs(ops.sub(p, q)))),
    };
  },
});
