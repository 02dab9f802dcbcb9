import { describe, expect, it } from "vitest";
import type { GraphBuilder, Value } from "../src/index.js";
import { type CheckInput, checkGradients, weightedSum } from "./gradient-check.js";

// Every gradient rule against central finite differences in float64.

type Case = [string, CheckInput[], (b: GraphBuilder, xs: Value[]) => Value];

const cases: Case[] = [
  ["Add (broadcast)", [{ shape: [2, 3] }, { shape: [3] }], (b, [x, y]) => weightedSum(b, b.add(x, y))],
  ["Sub (broadcast)", [{ shape: [2, 1] }, { shape: [2, 3] }], (b, [x, y]) => weightedSum(b, b.sub(x, y))],
  ["Mul (broadcast)", [{ shape: [2, 3] }, { shape: [1, 3] }], (b, [x, y]) => weightedSum(b, b.mul(x, y))],
  ["Div", [{ shape: [2, 3] }, { shape: [2, 3], positive: true }], (b, [x, y]) => weightedSum(b, b.div(x, y))],
  [
    "Pow (constant exponent)",
    [{ shape: [4], positive: true }],
    (b, [x]) => weightedSum(b, b.pow(x, b.constant(2.5, [], "float64"))),
  ],
  ["Neg", [{ shape: [3] }], (b, [x]) => weightedSum(b, b.neg(x))],
  ["Exp", [{ shape: [3] }], (b, [x]) => weightedSum(b, b.exp(x))],
  ["Log", [{ shape: [3], positive: true }], (b, [x]) => weightedSum(b, b.log(x))],
  ["Sqrt", [{ shape: [3], positive: true }], (b, [x]) => weightedSum(b, b.sqrt(x))],
  ["Reciprocal", [{ shape: [3], positive: true }], (b, [x]) => weightedSum(b, b.reciprocal(x))],
  ["Abs", [{ shape: [5], margin: 0.1 }], (b, [x]) => weightedSum(b, b.abs(x))],
  ["Relu", [{ shape: [5], margin: 0.1 }], (b, [x]) => weightedSum(b, b.relu(x))],
  ["Sigmoid", [{ shape: [5] }], (b, [x]) => weightedSum(b, b.sigmoid(x))],
  ["Tanh", [{ shape: [5] }], (b, [x]) => weightedSum(b, b.tanh(x))],
  ["SiLU", [{ shape: [5] }], (b, [x]) => weightedSum(b, b.silu(x))],
  [
    "Max",
    [
      { shape: [4], data: [1, -2, 3, 0.5] },
      { shape: [4], data: [0, 1, 2.5, 2] },
    ],
    (b, [x, y]) => weightedSum(b, b.max(x, y)),
  ],
  [
    "Min",
    [
      { shape: [4], data: [1, -2, 3, 0.5] },
      { shape: [4], data: [0, 1, 2.5, 2] },
    ],
    (b, [x, y]) => weightedSum(b, b.min(x, y)),
  ],
  [
    "Where",
    [{ shape: [2, 3] }, { shape: [2, 3] }],
    (b, [x, y]) => weightedSum(b, b.where(b.constant([1, 0, 1, 0, 0, 1], [2, 3], "bool"), x, y)),
  ],
  ["MatMul 2-D", [{ shape: [3, 4] }, { shape: [4, 2] }], (b, [x, w]) => weightedSum(b, b.matmul(x, w))],
  [
    "MatMul batched × 2-D weight",
    [{ shape: [2, 3, 4] }, { shape: [4, 2] }],
    (b, [x, w]) => weightedSum(b, b.matmul(x, w)),
  ],
  [
    "MatMul batched",
    [{ shape: [2, 3, 4] }, { shape: [2, 4, 5] }],
    (b, [x, w]) => weightedSum(b, b.matmul(x, w)),
  ],
  [
    "MatMul batch broadcast",
    [{ shape: [2, 3, 4] }, { shape: [1, 4, 5] }],
    (b, [x, w]) => weightedSum(b, b.matmul(x, w)),
  ],
  [
    "Gemm",
    [{ shape: [3, 4] }, { shape: [4, 2] }, { shape: [2] }],
    (b, [x, w, c]) => weightedSum(b, b.gemm(x, w, c, { alpha: 0.5, beta: 2 })),
  ],
  [
    "Gemm transA transB",
    [{ shape: [4, 3] }, { shape: [2, 4] }],
    (b, [x, w]) => weightedSum(b, b.gemm(x, w, undefined, { transA: true, transB: true })),
  ],
  ["Reshape", [{ shape: [2, 6] }], (b, [x]) => weightedSum(b, b.reshape(x, [3, -1]))],
  ["Transpose", [{ shape: [2, 3, 4] }], (b, [x]) => weightedSum(b, b.transpose(x, [2, 0, 1]))],
  [
    "Unsqueeze/Squeeze",
    [{ shape: [2, 3] }],
    (b, [x]) => weightedSum(b, b.squeeze(b.unsqueeze(b.exp(x), [1]), [1])),
  ],
  [
    "Concat",
    [{ shape: [2, 3] }, { shape: [2, 2] }],
    (b, [x, y]) => weightedSum(b, b.concat([b.exp(x), y], 1)),
  ],
  [
    "Split (one piece unused)",
    [{ shape: [2, 5] }],
    (b, [x]) => {
      const [p, , r] = b.split(x, 1, [2, 1, 2]);
      return b.add(weightedSum(b, b.exp(p)), weightedSum(b, r));
    },
  ],
  ["Slice", [{ shape: [3, 5] }], (b, [x]) => weightedSum(b, b.slice(x, [1, -3], [3, 100], [0, 1]))],
  [
    "Gather (repeated rows)",
    [{ shape: [5, 3] }],
    (b, [x]) => weightedSum(b, b.gather(x, b.constant([0, 2, 2, 4, 0, 0], [2, 3], "int64"))),
  ],
  ["Softmax", [{ shape: [2, 5] }], (b, [x]) => weightedSum(b, b.softmax(x, -1))],
  ["LogSoftmax", [{ shape: [2, 5] }], (b, [x]) => weightedSum(b, b.logSoftmax(x, 1))],
  [
    "ReduceSum keepdims",
    [{ shape: [2, 3, 4] }],
    (b, [x]) => weightedSum(b, b.exp(b.reduceSum(x, [1], true))),
  ],
  [
    "ReduceSum no keepdims",
    [{ shape: [2, 3, 4] }],
    (b, [x]) => weightedSum(b, b.reduceSum(x, [0, 2], false)),
  ],
  ["ReduceMean", [{ shape: [2, 3, 4] }], (b, [x]) => weightedSum(b, b.reduceMean(x, [-1], false))],
  ["ReduceMax", [{ shape: [2, 4] }], (b, [x]) => weightedSum(b, b.reduceMax(x, [1], false))],
  ["RMSNorm", [{ shape: [3, 4] }, { shape: [4] }], (b, [x, g]) => weightedSum(b, b.rmsNorm(x, g, 1e-5))],
  [
    "Causal attention",
    [{ shape: [1, 2, 3, 4] }, { shape: [1, 2, 3, 4] }, { shape: [1, 2, 3, 4] }],
    (b, [q, k, v]) => {
      const mask = b.constant([0, -1e9, -1e9, 0, 0, -1e9, 0, 0, 0], [3, 3], "float64");
      const scores = b.add(
        b.mul(b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.constant(0.5, [], "float64")),
        mask,
      );
      return weightedSum(b, b.matmul(b.softmax(scores, -1), v));
    },
  ],
  [
    "Value used twice (tied weight)",
    [{ shape: [4, 3] }],
    (b, [e]) => {
      const rows = b.gather(e, b.constant([1, 3], [2], "int64"));
      return weightedSum(b, b.matmul(rows, b.transpose(e, [1, 0])));
    },
  ],
];

describe("gradient rules vs central finite differences (float64)", () => {
  it.each(cases)("%s", async (_name, inputs, build) => {
    const { maxRelError } = await checkGradients(inputs, build);
    expect(maxRelError).toBeLessThan(1e-6);
  });
});

// ORT has no float64 kernel for Erf, and Cast's float32 leg is the point: check these in float32.
const float32Cases: Case[] = [
  ["Gelu (Erf)", [{ shape: [5] }], (b, [x]) => weightedSum(b, b.gelu(x))],
  [
    "Cast (float32→float64→float32)",
    [{ shape: [3] }],
    (b, [x]) => weightedSum(b, b.cast(b.cast(x, "float64"), "float32")),
  ],
];

describe("gradient rules vs central finite differences (float32)", () => {
  it.each(float32Cases)("%s", async (_name, inputs, build) => {
    const { maxRelError } = await checkGradients(inputs, build, { dtype: "float32" });
    expect(maxRelError).toBeLessThan(2e-3);
  });
});
