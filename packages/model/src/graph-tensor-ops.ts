import type { FloatDType, GraphBuilder, Value } from "@distillspec/graph";
import type { Divergence, TensorOps } from "@distillspec/plugin-api";
import type { GraphDivergence } from "./training-graph.js";

// The ONNX-graph backend of the plugin TensorOps: a plugin divergence written once becomes the training loss,
// and autodiff differentiates it.

/** Floor for log p: keeps log finite where the teacher gives exactly 0 (1e-30 is a normal float32). */
const TINY = 1e-30;

/** TensorOps that append nodes to `b`; scalars get `dtype` (match the tensors the divergence sees). */
export function graphTensorOps(b: GraphBuilder, dtype: FloatDType = "float32"): TensorOps<Value> {
  const floor = (x: Value) => b.max(x, b.constant(TINY, [], x.dtype));
  return {
    add: (x, y) => b.add(x, y),
    sub: (x, y) => b.sub(x, y),
    mul: (x, y) => b.mul(x, y),
    div: (x, y) => b.div(x, y),
    neg: (x) => b.neg(x),
    exp: (x) => b.exp(x),
    // log and sqrt floor their input: float32 probabilities underflow to 0, and log 0 = −∞ or
    // d√x/dx = ∞ there would turn the (masked) gradient into NaN. Values move by ≤ 1e-15.
    log: (x) => b.log(floor(x)),
    abs: (x) => b.abs(x),
    sqrt: (x) => b.sqrt(floor(x)),
    max: (x, y) => b.max(x, y),
    min: (x, y) => b.min(x, y),
    scalar: (value) => b.constant(value, [], dtype),
    sumLast: (x) => b.reduceSum(x, [-1], false),
    // Where keeps x = 0 terms at exactly 0, and routes no gradient through the untaken branch.
    xlogRatio(x, logX, logY) {
      const zero = b.scalarLike(0, x);
      return b.where(b.greater(x, zero), b.mul(x, b.sub(logX, logY)), zero);
    },
  };
}

/**
 * A plugin divergence as the training loss: p is the teacher's probabilities, q = exp(student log-probs).
 * log p is taken as log(max(p, 1e-30)), so divergences that divide by p (reverse KL) see a large finite
 * penalty where p = 0 instead of ∞.
 */
export function graphDivergence(divergence: Divergence): GraphDivergence {
  return (b, teacherProbs, studentLogProbs) => {
    const dtype = b.assertFloat(teacherProbs, `divergence ${divergence.id}`);
    const ops = graphTensorOps(b, dtype);
    const logP = b.log(b.max(teacherProbs, b.scalarLike(TINY, teacherProbs)));
    const q = b.exp(studentLogProbs);
    return divergence.compute(ops, { p: teacherProbs, q, logP, logQ: studentLogProbs });
  };
}
