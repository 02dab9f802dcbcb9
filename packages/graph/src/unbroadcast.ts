import type { GraphBuilder, Value } from "./graph-builder.js";
import { isStatic } from "./shape.js";

/** Sums a gradient over the axes that numpy broadcasting expanded, so it gets the shape of `target`. */
export function unbroadcast(b: GraphBuilder, grad: Value, target: Value): Value {
  const gs = grad.shape;
  const ts = target.shape;
  if (gs.length === ts.length && gs.every((d, i) => d === ts[i])) return grad;
  const offset = gs.length - ts.length;
  const axes: number[] = [];
  for (let i = 0; i < gs.length; i++) {
    if (i < offset) axes.push(i);
    else if (ts[i - offset] === 1 && gs[i] !== 1) axes.push(i);
  }
  const reduced = axes.length > 0 ? b.reduceSum(grad, axes, true) : grad;
  if (offset === 0) return reduced;
  return isStatic(ts) && !ts.includes(0) ? b.reshape(reduced, ts) : b.reshapeLike(reduced, target);
}
