// A distillspec divergence plugin written the way a third party would publish one: its own npm package,
// plain JavaScript, no imports. The host loads it by package name and checks meta.apiVersion.
//
// Squared Hellinger distance H²(p, q) = ½ Σ (√p − √q)², in [0, 1].
// Written over the host's TensorOps, so the same code builds the ONNX training loss and runs eagerly.

export default {
  meta: { name: "distillspec-divergence-hellinger", version: "1.0.0", apiVersion: 1 },
  kind: "divergence",
  id: "hellinger",
  create(options) {
    if (
      options !== undefined &&
      (typeof options !== "object" || options === null || Object.keys(options).length > 0)
    ) {
      throw new RangeError(`hellinger takes no options, got ${JSON.stringify(options)}`);
    }
    return {
      id: "hellinger",
      compute(ops, { p, q }) {
        const diff = ops.sub(ops.sqrt(p), ops.sqrt(q));
        return ops.mul(ops.scalar(0.5), ops.sumLast(ops.mul(diff, diff)));
      },
    };
  },
};
