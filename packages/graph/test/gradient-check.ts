import { createRng } from "@distillspec/core";
import {
  createSession,
  doubleTensor,
  floatTensor,
  GraphBuilder,
  gradients,
  serializeModel,
  type Value,
} from "../src/index.js";

// Central finite differences in float64 against the gradient graph that autodiff builds.

export interface CheckInput {
  shape: number[];
  /** Optional explicit values; random N(0,1) otherwise. */
  data?: number[];
  /** Keep values away from kinks (|x| ≥ margin) for ops like Abs/Relu/Max. */
  margin?: number;
  positive?: boolean;
}

export interface GradientCheckResult {
  maxAbsError: number;
  maxRelError: number;
}

export async function checkGradients(
  inputs: CheckInput[],
  build: (b: GraphBuilder, xs: Value[]) => Value,
  options: { seed?: number; dtype?: "float64" | "float32" } = {},
): Promise<GradientCheckResult> {
  const { seed = 1, dtype = "float64" } = options;
  const rng = createRng(seed);
  const data = inputs.map((inp) => {
    if (inp.data) return Float64Array.from(inp.data);
    const n = inp.shape.reduce((a, c) => a * c, 1);
    return Float64Array.from({ length: n }, () => {
      let x = rng.normal();
      if (inp.positive) x = Math.abs(x) + 0.5;
      if (inp.margin && Math.abs(x) < inp.margin) x = Math.sign(x || 1) * (inp.margin + Math.abs(x));
      return x;
    });
  });

  const b = new GraphBuilder();
  const xs = inputs.map((inp, i) => b.input(`x${i}`, dtype, inp.shape));
  const loss = build(b, xs);
  b.output(loss, "loss");
  const grads = gradients(b, loss, xs);
  grads.forEach((g, i) => {
    b.output(g, `grad${i}`);
  });
  const session = await createSession(serializeModel(b), { optimize: false });
  const feeds = (values: Float64Array[]) =>
    Object.fromEntries(
      values.map((v, i) => [
        `x${i}`,
        dtype === "float64"
          ? doubleTensor(v, inputs[i].shape)
          : floatTensor(Float32Array.from(v), inputs[i].shape),
      ]),
    );

  const result = await session.run(feeds(data));
  const analytic = grads.map((_, i) => result[`grad${i}`].data as Float64Array | Float32Array);

  // float32 (for ops ORT lacks in double, e.g. Erf) needs a much larger step to stay above rounding noise.
  const h = dtype === "float64" ? 1e-6 : 1e-2;
  let maxAbsError = 0;
  let maxRelError = 0;
  for (let i = 0; i < data.length; i++) {
    for (let j = 0; j < data[i].length; j++) {
      const plus = data.map((d) => Float64Array.from(d));
      const minus = data.map((d) => Float64Array.from(d));
      plus[i][j] += h;
      minus[i][j] -= h;
      const lp = (await session.run(feeds(plus))).loss.data[0] as number;
      const lm = (await session.run(feeds(minus))).loss.data[0] as number;
      const numeric = (lp - lm) / (2 * h);
      const err = Math.abs(numeric - analytic[i][j]);
      maxAbsError = Math.max(maxAbsError, err);
      maxRelError = Math.max(maxRelError, err / Math.max(1, Math.abs(numeric)));
    }
  }
  await session.release();
  return { maxAbsError, maxRelError };
}

/** A fixed random projection to a scalar, so every output element gets a distinct upstream gradient. */
export function weightedSum(b: GraphBuilder, y: Value): Value {
  if (y.dtype !== "float64" && y.dtype !== "float32") throw new Error("weightedSum needs a float tensor");
  const n = y.shape.reduce((a, c) => (a as number) * (c as number), 1) as number;
  const weights = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + 0.3) + 0.1 * i);
  const w = b.constant(weights, y.shape as number[], y.dtype);
  return b.sumAll(b.mul(y, w));
}
