// Static shape arithmetic. A dimension is a number or a symbolic name (a dynamic axis such as "batch").

export type Dim = number | string;
export type Shape = readonly Dim[];

export class ShapeError extends Error {
  override name = "ShapeError";
}

export function dimsEqual(a: Dim, b: Dim): boolean {
  return a === b;
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === "number");
}

export function numel(shape: Shape): number {
  if (!isStatic(shape)) throw new ShapeError(`shape [${shape.join(", ")}] is not static`);
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** Numpy-style broadcasting of two shapes, right-aligned. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1 || dimsEqual(da, db)) out.push(da);
    // Two different symbolic dims cannot be checked while building; ORT checks them at run time.
    else if (typeof da === "string" || typeof db === "string") out.push(typeof da === "string" ? db : da);
    else throw new ShapeError(`cannot broadcast ${formatShape(a)} with ${formatShape(b)}`);
  }
  return out;
}

export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

let symbolCounter = 0;
/** A fresh symbolic dimension, for outputs whose size is only known at run time. */
export function freshDim(): string {
  symbolCounter += 1;
  return `d${symbolCounter}`;
}
