import { describe, expect, it } from "vitest";
import { defineDivergence, evaluateDivergence, float64Tensor, float64Ops as ops } from "../src/index.js";

// The eager float64 backend: broadcasting, reductions and the 0·log 0 convention.

describe("float64Ops", () => {
  it("broadcasts numpy-style", () => {
    const a = float64Tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const row = float64Tensor([10, 20, 30], [3]);
    const col = float64Tensor([100, 200], [2, 1]);
    expect(Array.from(ops.add(a, row).data)).toEqual([11, 22, 33, 14, 25, 36]);
    expect(Array.from(ops.mul(a, col).data)).toEqual([100, 200, 300, 800, 1000, 1200]);
    const outer = ops.sub(col, row);
    expect(outer.shape).toEqual([2, 3]);
    expect(Array.from(outer.data)).toEqual([90, 80, 70, 190, 180, 170]);
    expect(Array.from(ops.div(a, ops.scalar(2)).data)).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    expect(() => ops.add(a, float64Tensor([1, 2], [2]))).toThrow(/broadcast/);
  });

  it("applies elementwise functions", () => {
    const x = float64Tensor([-4, 0, 9]);
    expect(Array.from(ops.abs(x).data)).toEqual([4, 0, 9]);
    expect(Array.from(ops.neg(x).data)).toEqual([4, -0, -9]);
    expect(Array.from(ops.sqrt(ops.abs(x)).data)).toEqual([2, 0, 3]);
    expect(Array.from(ops.max(x, ops.scalar(0)).data)).toEqual([0, 0, 9]);
    expect(Array.from(ops.min(x, ops.scalar(0)).data)).toEqual([-4, 0, 0]);
    expect(ops.exp(ops.log(float64Tensor([2]))).data[0]).toBeCloseTo(2, 15);
  });

  it("sums the last axis away", () => {
    const s = ops.sumLast(float64Tensor([1, 2, 3, 4, 5, 6], [2, 3]));
    expect(s.shape).toEqual([2]);
    expect(Array.from(s.data)).toEqual([6, 15]);
    expect(ops.sumLast(float64Tensor([1, 2])).shape).toEqual([]);
  });

  it("xlogRatio drops x = 0 terms even against log 0 = −∞", () => {
    const x = float64Tensor([0, 0.5, 0]);
    const r = ops.xlogRatio(x, ops.log(x), float64Tensor([Math.log(0.25), Math.log(0.25), -Infinity]));
    expect(r.data[0]).toBe(0);
    expect(r.data[1]).toBeCloseTo(0.5 * Math.log(2), 15);
    expect(r.data[2]).toBe(0);
  });
});

describe("evaluateDivergence", () => {
  const l1 = defineDivergence({
    meta: { name: "l1", version: "0", apiVersion: 1 },
    id: "l1",
    create: () => ({ id: "l1", compute: (o, { p, q }) => o.sumLast(o.abs(o.sub(p, q))) }),
  }).create({});

  it("takes one position or [n, vocab] rows", () => {
    expect(evaluateDivergence(l1, [0.5, 0.5], [1, 0])).toBe(1);
    expect(evaluateDivergence(l1, Float64Array.of(0.5, 0.5), Float64Array.of(0.5, 0.5))).toBe(0);
    expect(
      evaluateDivergence(
        l1,
        [
          [1, 0],
          [0.5, 0.5],
        ],
        [
          [0, 1],
          [0.5, 0.5],
        ],
      ),
    ).toEqual([2, 0]);
  });

  it("rejects mismatched shapes", () => {
    expect(() => evaluateDivergence(l1, [1, 0], [1, 0, 0])).toThrow(/equal/);
    expect(() =>
      evaluateDivergence(
        l1,
        [[1, 0]],
        [
          [1, 0],
          [0, 1],
        ],
      ),
    ).toThrow(/rows/);
  });
});
