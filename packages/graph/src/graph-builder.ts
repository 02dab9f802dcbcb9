import { type DType, type FloatDType, isFloat } from "./dtype.js";
import {
  broadcastShapes,
  type Dim,
  formatShape,
  freshDim,
  normalizeAxis,
  type Shape,
  ShapeError,
} from "./shape.js";

// A typed builder over ONNX (default opset 18). Every op infers its output shape (symbolic dims allowed),
// so mistakes surface while building, and autodiff can unbroadcast gradients from static shapes.

export interface Value {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

export type Attribute =
  | { kind: "int"; value: number }
  | { kind: "ints"; value: readonly number[] }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string };

export interface GraphNode {
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly attributes: Readonly<Record<string, Attribute>>;
}

export interface ConstantTensor {
  readonly value: Value;
  readonly data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

export const DEFAULT_OPSET = 18;

const int = (value: number): Attribute => ({ kind: "int", value });
const ints = (value: readonly number[]): Attribute => ({ kind: "ints", value });
const float = (value: number): Attribute => ({ kind: "float", value });

export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers: ConstantTensor[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly opset = DEFAULT_OPSET) {}

  /** A unique value name derived from `hint`. */
  uniqueName(hint: string): string {
    let name = hint;
    while (this.names.has(name)) name = `${hint}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    if (this.names.has(name)) throw new Error(`duplicate graph input name "${name}"`);
    const value: Value = { name: this.uniqueName(name), dtype, shape: [...shape] };
    this.inputs.push(value);
    return value;
  }

  /** Marks `value` as a graph output called `name` (an Identity node renames it when needed). */
  output(value: Value, name: string = value.name): Value {
    const out = name === value.name ? value : this.rename(value, name);
    this.outputs.push(out);
    return out;
  }

  private rename(value: Value, name: string): Value {
    if (this.names.has(name)) throw new Error(`duplicate graph output name "${name}"`);
    this.names.add(name);
    const out: Value = { name, dtype: value.dtype, shape: value.shape };
    this.nodes.push({ opType: "Identity", domain: "", inputs: [value], outputs: [out], attributes: {} });
    return out;
  }

  /** A named tensor stored in the model (weights, tables). */
  initializer(name: string, dtype: DType, shape: readonly number[], data: ConstantTensor["data"]): Value {
    const expected = shape.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      throw new ShapeError(`initializer ${name}: ${data.length} values for shape ${formatShape(shape)}`);
    }
    const value: Value = { name: this.uniqueName(name), dtype, shape: [...shape] };
    this.initializers.push({ value, data });
    return value;
  }

  /** A small constant; `like` picks the dtype (defaults to float32). */
  constant(
    values: readonly number[] | number,
    shape: readonly number[] = [],
    dtype: DType = "float32",
  ): Value {
    const list = typeof values === "number" ? [values] : values;
    let data: ConstantTensor["data"];
    if (dtype === "float32") data = Float32Array.from(list);
    else if (dtype === "float64") data = Float64Array.from(list);
    else if (dtype === "int64") data = BigInt64Array.from(list.map((v) => BigInt(v)));
    else if (dtype === "int32") data = Int32Array.from(list);
    else data = Uint8Array.from(list.map((v) => (v ? 1 : 0)));
    return this.initializer("const", dtype, shape, data);
  }

  scalarLike(value: number, like: Value): Value {
    return this.constant(value, [], like.dtype);
  }

  private int64s(values: readonly number[]): Value {
    return this.constant(values, [values.length], "int64");
  }

  /** Appends a node and returns its outputs. Shapes are supplied by the op method. */
  node(
    opType: string,
    inputs: readonly Value[],
    outputs: { dtype: DType; shape: Shape; hint?: string }[],
    attributes: Record<string, Attribute> = {},
    domain = "",
  ): Value[] {
    const outs = outputs.map((o) => ({
      name: this.uniqueName(o.hint ?? opType.toLowerCase()),
      dtype: o.dtype,
      shape: [...o.shape],
    }));
    this.nodes.push({ opType, domain, inputs, outputs: outs, attributes });
    return outs;
  }

  private unary(opType: string, x: Value, attributes: Record<string, Attribute> = {}): Value {
    return this.node(opType, [x], [{ dtype: x.dtype, shape: x.shape }], attributes)[0];
  }

  private binary(opType: string, a: Value, b: Value): Value {
    if (a.dtype !== b.dtype) throw new ShapeError(`${opType}: dtype ${a.dtype} vs ${b.dtype}`);
    return this.node(opType, [a, b], [{ dtype: a.dtype, shape: broadcastShapes(a.shape, b.shape) }])[0];
  }

  private compare(opType: string, a: Value, b: Value): Value {
    if (a.dtype !== b.dtype) throw new ShapeError(`${opType}: dtype ${a.dtype} vs ${b.dtype}`);
    return this.node(opType, [a, b], [{ dtype: "bool", shape: broadcastShapes(a.shape, b.shape) }])[0];
  }

  // ---- elementwise ----
  add(a: Value, b: Value): Value {
    return this.binary("Add", a, b);
  }
  sub(a: Value, b: Value): Value {
    return this.binary("Sub", a, b);
  }
  mul(a: Value, b: Value): Value {
    return this.binary("Mul", a, b);
  }
  div(a: Value, b: Value): Value {
    return this.binary("Div", a, b);
  }
  max(a: Value, b: Value): Value {
    return this.binary("Max", a, b);
  }
  min(a: Value, b: Value): Value {
    return this.binary("Min", a, b);
  }
  pow(a: Value, b: Value): Value {
    return this.binary("Pow", a, b);
  }
  neg(x: Value): Value {
    return this.unary("Neg", x);
  }
  exp(x: Value): Value {
    return this.unary("Exp", x);
  }
  log(x: Value): Value {
    return this.unary("Log", x);
  }
  sqrt(x: Value): Value {
    return this.unary("Sqrt", x);
  }
  abs(x: Value): Value {
    return this.unary("Abs", x);
  }
  sign(x: Value): Value {
    return this.unary("Sign", x);
  }
  relu(x: Value): Value {
    return this.unary("Relu", x);
  }
  sigmoid(x: Value): Value {
    return this.unary("Sigmoid", x);
  }
  tanh(x: Value): Value {
    return this.unary("Tanh", x);
  }
  erf(x: Value): Value {
    return this.unary("Erf", x);
  }
  reciprocal(x: Value): Value {
    return this.unary("Reciprocal", x);
  }
  identity(x: Value): Value {
    return this.unary("Identity", x);
  }
  greater(a: Value, b: Value): Value {
    return this.compare("Greater", a, b);
  }
  greaterOrEqual(a: Value, b: Value): Value {
    return this.compare("GreaterOrEqual", a, b);
  }
  less(a: Value, b: Value): Value {
    return this.compare("Less", a, b);
  }
  equal(a: Value, b: Value): Value {
    return this.compare("Equal", a, b);
  }

  where(condition: Value, a: Value, b: Value): Value {
    if (condition.dtype !== "bool")
      throw new ShapeError(`Where: condition must be bool, got ${condition.dtype}`);
    if (a.dtype !== b.dtype) throw new ShapeError(`Where: dtype ${a.dtype} vs ${b.dtype}`);
    const shape = broadcastShapes(broadcastShapes(condition.shape, a.shape), b.shape);
    return this.node("Where", [condition, a, b], [{ dtype: a.dtype, shape }])[0];
  }

  cast(x: Value, to: DType): Value {
    const onnx = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 }[to];
    return this.node("Cast", [x], [{ dtype: to, shape: x.shape }], { to: int(onnx) })[0];
  }

  /** Gelu, exact (erf) form: 0.5·x·(1 + erf(x/√2)); composed so autodiff covers it. */
  gelu(x: Value): Value {
    const inner = this.erf(this.mul(x, this.scalarLike(Math.SQRT1_2, x)));
    return this.mul(this.mul(x, this.scalarLike(0.5, x)), this.add(inner, this.scalarLike(1, x)));
  }

  /** SiLU (swish): x·sigmoid(x). */
  silu(x: Value): Value {
    return this.mul(x, this.sigmoid(x));
  }

  // ---- linear algebra ----
  matmul(a: Value, b: Value): Value {
    if (a.dtype !== b.dtype) throw new ShapeError(`MatMul: dtype ${a.dtype} vs ${b.dtype}`);
    if (a.shape.length < 2 || b.shape.length < 2) {
      throw new ShapeError(
        `MatMul: operands must have rank ≥ 2, got ${formatShape(a.shape)} @ ${formatShape(b.shape)}`,
      );
    }
    const k1 = a.shape[a.shape.length - 1];
    const k2 = b.shape[b.shape.length - 2];
    if (k1 !== k2 && typeof k1 === "number" && typeof k2 === "number")
      throw new ShapeError(`MatMul: inner dims differ, ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const shape = [...batch, a.shape[a.shape.length - 2], b.shape[b.shape.length - 1]];
    return this.node("MatMul", [a, b], [{ dtype: a.dtype, shape }])[0];
  }

  /** Gemm: alpha·op(A)·op(B) + beta·C for 2-D A and B. */
  gemm(
    a: Value,
    b: Value,
    c?: Value,
    opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
  ): Value {
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new ShapeError("Gemm: A and B must be 2-D");
    const [m, ka] = opts.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    const [kb, n] = opts.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
    if (ka !== kb) throw new ShapeError(`Gemm: inner dims differ (${ka} vs ${kb})`);
    const attrs: Record<string, Attribute> = {
      transA: int(opts.transA ? 1 : 0),
      transB: int(opts.transB ? 1 : 0),
      alpha: float(opts.alpha ?? 1),
      beta: float(opts.beta ?? 1),
    };
    if (c) broadcastShapes([m, n], c.shape);
    return this.node("Gemm", c ? [a, b, c] : [a, b], [{ dtype: a.dtype, shape: [m, n] }], attrs)[0];
  }

  // ---- shape manipulation ----
  /** Reshape to a static target; 0 copies the input dim, -1 is inferred. */
  reshape(x: Value, target: readonly number[]): Value {
    const shape: Dim[] = target.map((d, i) => (d === 0 ? x.shape[i] : d));
    const minus = shape.indexOf(-1);
    if (minus >= 0) {
      const known = shape.filter((_, i) => i !== minus);
      const staticIn = x.shape.every((d) => typeof d === "number");
      const staticKnown = known.every((d) => typeof d === "number");
      if (staticIn && staticKnown) {
        const total = (x.shape as number[]).reduce((p, d) => p * d, 1);
        const rest = (known as number[]).reduce((p, d) => p * d, 1);
        if (rest === 0 || total % rest !== 0) {
          throw new ShapeError(`Reshape: cannot reshape ${formatShape(x.shape)} to [${target.join(", ")}]`);
        }
        shape[minus] = total / rest;
      } else {
        shape[minus] = freshDim();
      }
    } else if (x.shape.every((d) => typeof d === "number") && shape.every((d) => typeof d === "number")) {
      const a = (x.shape as number[]).reduce((p, d) => p * d, 1);
      const b = (shape as number[]).reduce((p, d) => p * d, 1);
      if (a !== b)
        throw new ShapeError(
          `Reshape: ${formatShape(x.shape)} has ${a} elements, target ${formatShape(shape)} has ${b}`,
        );
    }
    return this.node("Reshape", [x, this.int64s(target)], [{ dtype: x.dtype, shape }])[0];
  }

  /** Reshape to the run-time shape of another value (used by gradients). */
  reshapeLike(x: Value, like: Value): Value {
    return this.node("Reshape", [x, this.shapeOf(like)], [{ dtype: x.dtype, shape: like.shape }])[0];
  }

  shapeOf(x: Value): Value {
    return this.node("Shape", [x], [{ dtype: "int64", shape: [x.shape.length] }])[0];
  }

  transpose(x: Value, perm: readonly number[]): Value {
    if (perm.length !== x.shape.length)
      throw new ShapeError(`Transpose: perm of length ${perm.length} for rank ${x.shape.length}`);
    const shape = perm.map((p) => x.shape[p]);
    return this.node("Transpose", [x], [{ dtype: x.dtype, shape }], { perm: ints(perm) })[0];
  }

  unsqueeze(x: Value, axes: readonly number[]): Value {
    const rank = x.shape.length + axes.length;
    const norm = axes.map((a) => normalizeAxis(a, rank)).sort((a, b) => a - b);
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]);
    return this.node("Unsqueeze", [x, this.int64s(norm)], [{ dtype: x.dtype, shape }])[0];
  }

  squeeze(x: Value, axes: readonly number[]): Value {
    const norm = axes.map((a) => normalizeAxis(a, x.shape.length));
    for (const a of norm) {
      if (x.shape[a] !== 1) throw new ShapeError(`Squeeze: axis ${a} of ${formatShape(x.shape)} is not 1`);
    }
    const shape = x.shape.filter((_, i) => !norm.includes(i));
    return this.node("Squeeze", [x, this.int64s(norm)], [{ dtype: x.dtype, shape }])[0];
  }

  concat(values: readonly Value[], axis: number): Value {
    const rank = values[0].shape.length;
    const ax = normalizeAxis(axis, rank);
    const shape: Dim[] = [...values[0].shape];
    const sizes = values.map((v) => v.shape[ax]);
    shape[ax] = sizes.every((s) => typeof s === "number")
      ? (sizes as number[]).reduce((a, b) => a + b, 0)
      : freshDim();
    return this.node("Concat", values, [{ dtype: values[0].dtype, shape }], { axis: int(ax) })[0];
  }

  /** Splits along `axis` into pieces of the given static sizes. */
  split(x: Value, axis: number, sizes: readonly number[]): Value[] {
    const ax = normalizeAxis(axis, x.shape.length);
    const dim = x.shape[ax];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (typeof dim === "number" && dim !== total) {
      throw new ShapeError(
        `Split: sizes [${sizes.join(", ")}] do not add up to dim ${dim} of ${formatShape(x.shape)}`,
      );
    }
    const outs = sizes.map((s) => {
      const shape = [...x.shape];
      shape[ax] = s;
      return { dtype: x.dtype, shape };
    });
    return this.node("Split", [x, this.int64s(sizes)], outs, { axis: int(ax) });
  }

  /** Static slice with step 1 along the given axes. */
  slice(x: Value, starts: readonly number[], ends: readonly number[], axes: readonly number[]): Value {
    const shape: Dim[] = [...x.shape];
    axes.forEach((axis, i) => {
      const ax = normalizeAxis(axis, x.shape.length);
      const dim = x.shape[ax];
      if (typeof dim !== "number") {
        shape[ax] = freshDim();
        return;
      }
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
      shape[ax] = Math.max(0, clamp(ends[i]) - clamp(starts[i]));
    });
    return this.node(
      "Slice",
      [x, this.int64s(starts), this.int64s(ends), this.int64s(axes)],
      [{ dtype: x.dtype, shape }],
    )[0];
  }

  /** Pads with zeros: `pads` is [begin_0, ..., begin_n, end_0, ..., end_n] as in ONNX. */
  pad(x: Value, pads: readonly number[]): Value {
    const rank = x.shape.length;
    const shape = x.shape.map((d, i) => (typeof d === "number" ? d + pads[i] + pads[i + rank] : freshDim()));
    return this.node("Pad", [x, this.int64s(pads)], [{ dtype: x.dtype, shape }])[0];
  }

  expand(x: Value, shape: Value, staticShape: Shape): Value {
    return this.node(
      "Expand",
      [x, shape],
      [{ dtype: x.dtype, shape: broadcastShapes(x.shape, staticShape) }],
    )[0];
  }

  /** Zeros with the run-time shape of `like`. */
  zerosLike(like: Value): Value {
    return this.mul(like, this.scalarLike(0, like));
  }

  gather(data: Value, indices: Value, axis = 0): Value {
    const ax = normalizeAxis(axis, data.shape.length);
    const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
    return this.node("Gather", [data, indices], [{ dtype: data.dtype, shape }], { axis: int(ax) })[0];
  }

  /** ScatterND with reduction=add: out = data; out[indices] += updates. */
  scatterNDAdd(data: Value, indices: Value, updates: Value): Value {
    return this.node("ScatterND", [data, indices, updates], [{ dtype: data.dtype, shape: data.shape }], {
      reduction: { kind: "string", value: "add" },
    })[0];
  }

  // ---- normalisation and reductions ----
  softmax(x: Value, axis = -1): Value {
    return this.unary("Softmax", x, { axis: int(normalizeAxis(axis, x.shape.length)) });
  }
  logSoftmax(x: Value, axis = -1): Value {
    return this.unary("LogSoftmax", x, { axis: int(normalizeAxis(axis, x.shape.length)) });
  }

  private reduce(opType: string, x: Value, axes: readonly number[], keepdims: boolean): Value {
    const norm = axes.map((a) => normalizeAxis(a, x.shape.length));
    const shape: Dim[] = [];
    x.shape.forEach((d, i) => {
      if (!norm.includes(i)) shape.push(d);
      else if (keepdims) shape.push(1);
    });
    return this.node(opType, [x, this.int64s(norm)], [{ dtype: x.dtype, shape }], {
      keepdims: int(keepdims ? 1 : 0),
    })[0];
  }
  reduceSum(x: Value, axes: readonly number[], keepdims = false): Value {
    return this.reduce("ReduceSum", x, axes, keepdims);
  }
  reduceMean(x: Value, axes: readonly number[], keepdims = false): Value {
    return this.reduce("ReduceMean", x, axes, keepdims);
  }
  reduceMax(x: Value, axes: readonly number[], keepdims = false): Value {
    return this.reduce("ReduceMax", x, axes, keepdims);
  }

  /** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · gain (composed; ORT fuses the pattern). */
  rmsNorm(x: Value, gain: Value, eps: number): Value {
    const meanSquare = this.reduceMean(this.mul(x, x), [-1], true);
    const rms = this.sqrt(this.add(meanSquare, this.scalarLike(eps, x)));
    return this.mul(this.div(x, rms), gain);
  }

  /** Sum of all elements → scalar. */
  sumAll(x: Value): Value {
    return this.reduceSum(
      x,
      x.shape.map((_, i) => i),
      false,
    );
  }

  /** Requires a float dtype; used by ops that build float constants. */
  assertFloat(x: Value, op: string): FloatDType {
    if (!isFloat(x.dtype)) throw new ShapeError(`${op}: expected a float tensor, got ${x.dtype}`);
    return x.dtype;
  }
}
