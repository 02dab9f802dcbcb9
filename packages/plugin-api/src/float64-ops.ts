import type { Divergence } from "./plugin-definition.js";
import type { TensorOps } from "./tensor-ops.js";

// The eager float64 backend of TensorOps: exact reference values for tests and metrics. Small and
// allocation-happy on purpose (vocabularies in tests are tiny; clarity beats speed here).

export interface Float64Tensor {
  readonly data: Float64Array;
  readonly shape: readonly number[];
}

/** A tensor from row-major values; the shape defaults to 1-D. */
export function float64Tensor(
  data: ArrayLike<number>,
  shape: readonly number[] = [data.length],
): Float64Tensor {
  const size = shape.reduce((a, d) => a * d, 1);
  if (size !== data.length) {
    throw new RangeError(`float64Tensor: ${data.length} values for shape [${shape.join(", ")}]`);
  }
  return { data: Float64Array.from(data), shape: [...shape] };
}

function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim !== 1 && dim !== d) {
        throw new RangeError(
          `cannot broadcast shapes ${shapes.map((x) => `[${x.join(", ")}]`).join(" and ")}`,
        );
      }
      dim = d;
    }
    out.push(dim);
  }
  return out;
}

/** Elementwise map over numpy-broadcast operands. */
function broadcastMap(tensors: readonly Float64Tensor[], fn: (...xs: number[]) => number): Float64Tensor {
  const shape = broadcastShape(tensors.map((t) => t.shape));
  const rank = shape.length;
  const size = shape.reduce((a, d) => a * d, 1);
  // Per operand, the stride of each output axis (0 where the operand broadcasts along it).
  const strides = tensors.map((t) => {
    const s = new Array<number>(rank).fill(0);
    let stride = 1;
    for (let i = t.shape.length - 1; i >= 0; i--) {
      const axis = rank - t.shape.length + i;
      s[axis] = t.shape[i] === 1 ? 0 : stride;
      stride *= t.shape[i];
    }
    return s;
  });
  const out = new Float64Array(size);
  const index = new Array<number>(rank).fill(0);
  const args = new Array<number>(tensors.length);
  for (let flat = 0; flat < size; flat++) {
    for (let k = 0; k < tensors.length; k++) {
      let offset = 0;
      for (let a = 0; a < rank; a++) offset += index[a] * strides[k][a];
      args[k] = tensors[k].data[offset];
    }
    out[flat] = fn(...args);
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return { data: out, shape };
}

const unary = (fn: (x: number) => number) => (a: Float64Tensor) => broadcastMap([a], fn);
const binary = (fn: (x: number, y: number) => number) => (a: Float64Tensor, b: Float64Tensor) =>
  broadcastMap([a, b], fn);

export const float64Ops: TensorOps<Float64Tensor> = {
  add: binary((x, y) => x + y),
  sub: binary((x, y) => x - y),
  mul: binary((x, y) => x * y),
  div: binary((x, y) => x / y),
  neg: unary((x) => -x),
  exp: unary(Math.exp),
  log: unary(Math.log),
  abs: unary(Math.abs),
  sqrt: unary(Math.sqrt),
  max: binary(Math.max),
  min: binary(Math.min),
  scalar: (value) => ({ data: Float64Array.of(value), shape: [] }),
  sumLast(a) {
    if (a.shape.length === 0) throw new RangeError("sumLast: needs at least one axis");
    const last = a.shape[a.shape.length - 1];
    const rows = last === 0 ? 0 : a.data.length / last;
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let i = 0; i < last; i++) sum += a.data[r * last + i];
      out[r] = sum;
    }
    return { data: out, shape: a.shape.slice(0, -1) };
  },
  // x = 0 short-circuits so 0·(−∞ − y) gives 0 rather than NaN.
  xlogRatio: (x, logX, logY) => broadcastMap([x, logX, logY], (v, lx, ly) => (v === 0 ? 0 : v * (lx - ly))),
};

type Row = ArrayLike<number>;

function checkRow(p: Row, q: Row): void {
  if (p.length === 0 || p.length !== q.length) {
    throw new RangeError(
      `evaluateDivergence: p has ${p.length} entries and q ${q.length}; need equal and > 0`,
    );
  }
}

/** D(p ‖ q) on float64 tensors [..., vocab] (logs taken here: log 0 = −∞, which xlogRatio handles). */
export function evaluateDivergenceTensor(
  divergence: Divergence,
  p: Float64Tensor,
  q: Float64Tensor,
): Float64Tensor {
  return divergence.compute(float64Ops, { p, q, logP: float64Ops.log(p), logQ: float64Ops.log(q) });
}

/**
 * D(p ‖ q) in float64 over plain arrays: one position (vocab-length rows → a number) or [n, vocab]
 * (arrays of rows → n numbers).
 */
export function evaluateDivergence(divergence: Divergence, p: Row, q: Row): number;
export function evaluateDivergence(divergence: Divergence, p: readonly Row[], q: readonly Row[]): number[];
export function evaluateDivergence(
  divergence: Divergence,
  p: Row | readonly Row[],
  q: Row | readonly Row[],
): number | number[] {
  const single = typeof p[0] === "number";
  const pRows = (single ? [p] : p) as readonly Row[];
  const qRows = (typeof q[0] === "number" ? [q] : q) as readonly Row[];
  if (pRows.length !== qRows.length) {
    throw new RangeError(`evaluateDivergence: ${pRows.length} rows of p but ${qRows.length} of q`);
  }
  pRows.forEach((row, i) => {
    checkRow(row, qRows[i]);
  });
  const vocab = pRows[0]?.length ?? 0;
  if (pRows.some((row) => row.length !== vocab)) throw new RangeError("evaluateDivergence: ragged rows");
  const flat = (rows: readonly Row[]) => rows.flatMap((row) => Array.from(row));
  const shape = [pRows.length, vocab];
  const out = evaluateDivergenceTensor(
    divergence,
    float64Tensor(flat(pRows), shape),
    float64Tensor(flat(qRows), shape),
  );
  return single ? out.data[0] : Array.from(out.data);
}
