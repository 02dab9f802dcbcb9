// The small tensor interface divergences are written against. Two implementations: float64 eager arrays
// (tests, metrics) and the ONNX graph builder (the training loss, differentiated by autodiff).
// Shapes broadcast numpy-style; `sumLast` reduces the vocabulary axis.

export interface TensorOps<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  exp(a: T): T;
  log(a: T): T;
  abs(a: T): T;
  /** √a (a ≥ 0); added for third-party divergences such as squared Hellinger. */
  sqrt(a: T): T;
  max(a: T, b: T): T;
  min(a: T, b: T): T;
  /** A scalar constant that broadcasts against anything. */
  scalar(value: number): T;
  /** Σ over the last (vocabulary) axis, which is removed. */
  sumLast(a: T): T;
  /** x · (logX − logY) with the convention 0 · anything = 0 where x = 0 (so 0·log 0 terms vanish). */
  xlogRatio(x: T, logX: T, logY: T): T;
}
