import type { GraphBuilder, GraphNode, Value } from "./graph-builder.js";
import { isStatic, ShapeError } from "./shape.js";
import { unbroadcast } from "./unbroadcast.js";

// One reverse-mode rule per op: given the node and the gradients of its outputs (null where an output does
// not reach the loss), return the gradient of each input (null where an input takes none, e.g. indices).

export type GradientRule = (
  b: GraphBuilder,
  node: GraphNode,
  outputGrads: (Value | null)[],
) => (Value | null)[];

const attrInt = (node: GraphNode, name: string, fallback: number): number => {
  const a = node.attributes[name];
  return a && (a.kind === "int" || a.kind === "float") ? a.value : fallback;
};
const attrInts = (node: GraphNode, name: string): readonly number[] => {
  const a = node.attributes[name];
  if (a?.kind !== "ints") throw new ShapeError(`${node.opType}: missing attribute ${name}`);
  return a.value;
};

/** Reads a constant int64 input (axes, sizes, starts) that the builder stored as an initializer. */
export type ConstantReader = (value: Value) => number[];

/** Swaps the last two axes. */
function transposeLast(b: GraphBuilder, x: Value): Value {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return b.transpose(x, perm);
}

function matmulRule(b: GraphBuilder, node: GraphNode, [g]: (Value | null)[]): (Value | null)[] {
  const [a, w] = node.inputs;
  const gy = g!;
  const ra = a.shape.length;
  const rw = w.shape.length;
  let ga: Value;
  let gw: Value;
  if (rw === 2 && ra > 2) {
    // Linear layer over a batch: flatten the batch axes so dW is one 2-D matmul.
    const k = w.shape[0] as number;
    const n = w.shape[1] as number;
    ga = b.matmul(gy, b.transpose(w, [1, 0]));
    gw = b.matmul(b.transpose(b.reshape(a, [-1, k]), [1, 0]), b.reshape(gy, [-1, n]));
  } else if (ra === rw) {
    ga = unbroadcast(b, b.matmul(gy, transposeLast(b, w)), a);
    gw = unbroadcast(b, b.matmul(transposeLast(b, a), gy), w);
  } else {
    throw new ShapeError(`MatMul gradient: unsupported ranks ${ra} and ${rw}`);
  }
  return [ga, gw];
}

function gemmRule(b: GraphBuilder, node: GraphNode, [g]: (Value | null)[]): (Value | null)[] {
  const [a, w, c] = node.inputs;
  const gy = g!;
  const transA = attrInt(node, "transA", 0) === 1;
  const transB = attrInt(node, "transB", 0) === 1;
  const alpha = attrInt(node, "alpha", 1);
  const beta = attrInt(node, "beta", 1);
  // Y = α·op(A)·op(B) + β·C
  let ga = transB ? b.matmul(gy, w) : b.matmul(gy, b.transpose(w, [1, 0])); // d op(A)
  if (transA) ga = b.transpose(ga, [1, 0]);
  let gw = transA ? b.matmul(a, gy) : b.matmul(b.transpose(a, [1, 0]), gy); // d op(B)
  if (transB) gw = b.transpose(gw, [1, 0]);
  if (alpha !== 1) {
    ga = b.mul(ga, b.scalarLike(alpha, ga));
    gw = b.mul(gw, b.scalarLike(alpha, gw));
  }
  const grads: (Value | null)[] = [ga, gw];
  if (c) grads.push(unbroadcast(b, beta === 1 ? gy : b.mul(gy, b.scalarLike(beta, gy)), c));
  return grads;
}

function reduceRule(b: GraphBuilder, node: GraphNode, g: Value, read: ConstantReader, mean: boolean): Value {
  const x = node.inputs[0];
  const axes = read(node.inputs[1]).map((a) => (a < 0 ? a + x.shape.length : a));
  const keepdims = attrInt(node, "keepdims", 1) === 1;
  let grad = keepdims ? g : b.unsqueeze(g, axes);
  if (mean) {
    const dims = axes.map((a) => x.shape[a]);
    if (!dims.every((d) => typeof d === "number"))
      throw new ShapeError("ReduceMean gradient needs static reduced dims");
    const count = (dims as number[]).reduce((p, d) => p * d, 1);
    grad = b.mul(grad, b.scalarLike(1 / count, grad));
  }
  return b.expand(grad, b.shapeOf(x), x.shape);
}

export function createGradientRules(read: ConstantReader): Map<string, GradientRule> {
  const rules = new Map<string, GradientRule>();
  const one = (x: Value) => (b: GraphBuilder) => b.scalarLike(1, x);

  rules.set("Add", (b, n, [g]) => [unbroadcast(b, g!, n.inputs[0]), unbroadcast(b, g!, n.inputs[1])]);
  rules.set("Sub", (b, n, [g]) => [unbroadcast(b, g!, n.inputs[0]), unbroadcast(b, b.neg(g!), n.inputs[1])]);
  rules.set("Mul", (b, n, [g]) => {
    const [x, y] = n.inputs;
    return [unbroadcast(b, b.mul(g!, y), x), unbroadcast(b, b.mul(g!, x), y)];
  });
  rules.set("Div", (b, n, [g]) => {
    const [x, y] = n.inputs;
    const out = n.outputs[0];
    // d(x/y)/dy = −(x/y)/y
    return [unbroadcast(b, b.div(g!, y), x), unbroadcast(b, b.neg(b.div(b.mul(g!, out), y)), y)];
  });
  rules.set("Pow", (b, n, [g]) => {
    const [x, e] = n.inputs;
    // Exponent treated as a constant (it is in every use here): d/dx x^e = e·x^(e−1)
    const dx = b.mul(e, b.pow(x, b.sub(e, one(e)(b))));
    return [unbroadcast(b, b.mul(g!, dx), x), null];
  });
  rules.set("Neg", (b, _n, [g]) => [b.neg(g!)]);
  rules.set("Identity", (_b, _n, [g]) => [g]);
  rules.set("Exp", (b, n, [g]) => [b.mul(g!, n.outputs[0])]);
  rules.set("Log", (b, n, [g]) => [b.div(g!, n.inputs[0])]);
  rules.set("Sqrt", (b, n, [g]) => [b.div(b.mul(g!, b.scalarLike(0.5, g!)), n.outputs[0])]);
  rules.set("Reciprocal", (b, n, [g]) => {
    const y = n.outputs[0];
    return [b.neg(b.mul(g!, b.mul(y, y)))];
  });
  rules.set("Abs", (b, n, [g]) => [b.mul(g!, b.sign(n.inputs[0]))]);
  rules.set("Relu", (b, n, [g]) => {
    const x = n.inputs[0];
    return [b.where(b.greater(x, b.scalarLike(0, x)), g!, b.scalarLike(0, g!))];
  });
  rules.set("Sigmoid", (b, n, [g]) => {
    const y = n.outputs[0];
    return [b.mul(g!, b.mul(y, b.sub(one(y)(b), y)))];
  });
  rules.set("Tanh", (b, n, [g]) => {
    const y = n.outputs[0];
    return [b.mul(g!, b.sub(one(y)(b), b.mul(y, y)))];
  });
  rules.set("Erf", (b, n, [g]) => {
    const x = n.inputs[0];
    const dx = b.mul(b.scalarLike(2 / Math.sqrt(Math.PI), x), b.exp(b.neg(b.mul(x, x))));
    return [b.mul(g!, dx)];
  });
  rules.set("Max", (b, n, [g]) => {
    const [x, y] = n.inputs;
    const pickX = b.greaterOrEqual(x, y); // ties go to the first operand
    const zero = b.scalarLike(0, g!);
    return [unbroadcast(b, b.where(pickX, g!, zero), x), unbroadcast(b, b.where(pickX, zero, g!), y)];
  });
  rules.set("Min", (b, n, [g]) => {
    const [x, y] = n.inputs;
    const pickX = b.less(y, x);
    const zero = b.scalarLike(0, g!);
    return [unbroadcast(b, b.where(pickX, zero, g!), x), unbroadcast(b, b.where(pickX, g!, zero), y)];
  });
  rules.set("Where", (b, n, [g]) => {
    const [c, x, y] = n.inputs;
    const zero = b.scalarLike(0, g!);
    return [null, unbroadcast(b, b.where(c, g!, zero), x), unbroadcast(b, b.where(c, zero, g!), y)];
  });
  rules.set("Cast", (b, n, [g]) => {
    const x = n.inputs[0];
    return [x.dtype === "float32" || x.dtype === "float64" ? b.cast(g!, x.dtype) : null];
  });
  rules.set("MatMul", matmulRule);
  rules.set("Gemm", gemmRule);
  rules.set("Reshape", (b, n, [g]) => [b.reshapeLike(g!, n.inputs[0]), null]);
  rules.set("Unsqueeze", (b, n, [g]) => [b.reshapeLike(g!, n.inputs[0]), null]);
  rules.set("Squeeze", (b, n, [g]) => [b.reshapeLike(g!, n.inputs[0]), null]);
  rules.set("Expand", (b, n, [g]) => [unbroadcast(b, g!, n.inputs[0]), null]);
  rules.set("Transpose", (b, n, [g]) => {
    const perm = attrInts(n, "perm");
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [b.transpose(g!, inverse)];
  });
  rules.set("Concat", (b, n, [g]) => {
    const axis = attrInt(n, "axis", 0);
    const sizes = n.inputs.map((v) => v.shape[axis]);
    if (!sizes.every((s) => typeof s === "number"))
      throw new ShapeError("Concat gradient needs static sizes");
    return b.split(g!, axis, sizes as number[]);
  });
  rules.set("Split", (b, n, grads) => {
    const axis = attrInt(n, "axis", 0);
    const pieces = grads.map((g, i) => g ?? b.zerosLike(n.outputs[i]));
    return [b.concat(pieces, axis), null];
  });
  rules.set("Slice", (b, n, [g]) => {
    const x = n.inputs[0];
    if (!isStatic(x.shape)) throw new ShapeError("Slice gradient needs a static input shape");
    const starts = read(n.inputs[1]);
    const ends = read(n.inputs[2]);
    const axes = read(n.inputs[3]);
    const rank = x.shape.length;
    const pads = new Array<number>(2 * rank).fill(0);
    axes.forEach((axis, i) => {
      const ax = axis < 0 ? axis + rank : axis;
      const dim = x.shape[ax] as number;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
      pads[ax] = clamp(starts[i]);
      pads[ax + rank] = dim - clamp(ends[i]);
    });
    return [b.pad(g!, pads), null, null, null];
  });
  rules.set("Gather", (b, n, [g]) => {
    const [data, indices] = n.inputs;
    if (attrInt(n, "axis", 0) !== 0) throw new ShapeError("Gather gradient supports axis 0 only");
    // Rows used several times accumulate: ScatterND with reduction=add.
    const zeros = b.zerosLike(data);
    return [b.scatterNDAdd(zeros, b.unsqueeze(indices, [-1]), g!), null];
  });
  rules.set("Softmax", (b, n, [g]) => {
    const y = n.outputs[0];
    const axis = attrInt(n, "axis", -1);
    const dot = b.reduceSum(b.mul(g!, y), [axis], true);
    return [b.mul(y, b.sub(g!, dot))];
  });
  rules.set("LogSoftmax", (b, n, [g]) => {
    const y = n.outputs[0];
    const axis = attrInt(n, "axis", -1);
    return [b.sub(g!, b.mul(b.exp(y), b.reduceSum(g!, [axis], true)))];
  });
  rules.set("ReduceSum", (b, n, [g]) => [reduceRule(b, n, g!, read, false), null]);
  rules.set("ReduceMean", (b, n, [g]) => [reduceRule(b, n, g!, read, true), null]);
  rules.set("ReduceMax", (b, n, [g]) => {
    const x = n.inputs[0];
    const axes = read(n.inputs[1]);
    const keepdims = attrInt(n, "keepdims", 1) === 1;
    const y = keepdims ? n.outputs[0] : b.unsqueeze(n.outputs[0], axes);
    const gy = keepdims ? g! : b.unsqueeze(g!, axes);
    // Split the gradient evenly between tied maxima.
    const mask = b.cast(b.equal(x, y), x.dtype);
    const count = b.reduceSum(mask, axes, true);
    return [b.mul(b.div(mask, count), gy), null];
  });
  return rules;
}
