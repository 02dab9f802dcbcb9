import { describe, expect, it } from "vitest";
import {
  adamw,
  createSession,
  doubleTensor,
  GraphBuilder,
  serializeModel,
  warmupCosine,
} from "../src/index.js";

// The in-graph AdamW step against a plain float64 implementation of the same update.

function referenceAdamW(
  params: Float64Array[],
  grads: Float64Array[],
  m: Float64Array[],
  v: Float64Array[],
  lr: number,
  step: number,
  o: { beta1: number; beta2: number; eps: number; weightDecay: number; clipNorm: number },
  decay: boolean[],
) {
  const norm = Math.sqrt(grads.reduce((s, g) => s + g.reduce((a, x) => a + x * x, 0), 0));
  const scale = Math.min(1, o.clipNorm / (norm + 1e-6));
  return params.map((p, i) =>
    p.map((x, j) => {
      const g = grads[i][j] * scale;
      const m2 = o.beta1 * m[i][j] + (1 - o.beta1) * g;
      const v2 = o.beta2 * v[i][j] + (1 - o.beta2) * g * g;
      const mHat = m2 / (1 - o.beta1 ** step);
      const vHat = v2 / (1 - o.beta2 ** step);
      let update = mHat / (Math.sqrt(vHat) + o.eps);
      if (decay[i]) update += o.weightDecay * x;
      return x - lr * update;
    }),
  );
}

describe("AdamW in the graph", () => {
  it.each([
    ["clipping active", 0.5],
    ["clipping inactive", 100],
  ])("matches the float64 reference (%s)", async (_label, clipNorm) => {
    const opts = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm };
    const b = new GraphBuilder();
    const shapes = [[2, 3], [3]];
    const params = shapes.map((s, i) => b.input(`p${i}`, "float64", s));
    const grads = shapes.map((s, i) => b.input(`g${i}`, "float64", s));
    const lr = b.input("lr", "float64", []);
    const step = b.input("step", "float64", []);
    const state = adamw(b, params, grads, lr, step, opts);
    state.newParams.forEach((p, i) => {
      b.output(p, `out${i}`);
    });
    b.output(state.gradNorm, "norm");
    const session = await createSession(serializeModel(b));
    const data = (n: number, k: number) =>
      Float64Array.from({ length: n }, (_, j) => Math.sin(j * 1.3 + k) * (k + 1));
    const p = [data(6, 0), data(3, 1)];
    const g = [data(6, 2), data(3, 3)];
    const m = [data(6, 4).map((x) => x * 0.01), data(3, 5).map((x) => x * 0.01)];
    const v = [data(6, 6).map((x) => x * x * 0.01), data(3, 7).map((x) => x * x * 0.01)];
    const feeds: Record<string, ReturnType<typeof doubleTensor>> = {
      lr: doubleTensor(Float64Array.of(0.01), []),
      step: doubleTensor(Float64Array.of(3), []),
    };
    shapes.forEach((s, i) => {
      feeds[`p${i}`] = doubleTensor(p[i], s);
      feeds[`g${i}`] = doubleTensor(g[i], s);
      feeds[`m.p${i}`] = doubleTensor(m[i], s);
      feeds[`v.p${i}`] = doubleTensor(v[i], s);
    });
    const out = await session.run(feeds);
    const expected = referenceAdamW(p, g, m, v, 0.01, 3, opts, [true, false]);
    for (let i = 0; i < 2; i++) {
      const got = out[`out${i}`].data as Float64Array;
      expected[i].forEach((x, j) => {
        expect(got[j]).toBeCloseTo(x, 12);
      });
    }
  });

  it("warm-up then cosine schedule", () => {
    const opts = { peak: 1, warmup: 10, total: 110, minRatio: 0.1 };
    expect(warmupCosine(5, opts)).toBeCloseTo(0.5);
    expect(warmupCosine(10, opts)).toBeCloseTo(1);
    expect(warmupCosine(60, opts)).toBeCloseTo(0.55);
    expect(warmupCosine(110, opts)).toBeCloseTo(0.1);
    expect(warmupCosine(500, opts)).toBeCloseTo(0.1);
  });
});
