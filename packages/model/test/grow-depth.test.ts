import { describe, expect, it } from "vitest";
import type { ModelConfig } from "../src/config.js";
import { growDepth, layerOrigins } from "../src/grow-depth.js";
import { initWeights } from "../src/init-weights.js";
import { referenceForward } from "../src/reference-forward.js";
import { Trainer } from "../src/trainer.js";
import { parameterCount } from "../src/weight-spec.js";
import { STUDENT_CONFIG } from "./support/student-config.js";

// Two layers, so growth has to interleave copies of different old layers.
const tiny: ModelConfig = { ...STUDENT_CONFIG, layers: 2 };

describe("growDepth", () => {
  it("deals new blocks out evenly after the old layers", () => {
    expect(layerOrigins(5, 15)).toEqual([
      0,
      null,
      null,
      1,
      null,
      null,
      2,
      null,
      null,
      3,
      null,
      null,
      4,
      null,
      null,
    ]);
    expect(layerOrigins(2, 3)).toEqual([0, 1, null]);
    expect(layerOrigins(3, 5)).toEqual([0, 1, null, 2, null]);
  });

  it("computes exactly what the original model computes (float64 reference)", () => {
    const weights = initWeights(tiny, 3);
    const grown = growDepth(tiny, weights, 5, 9);
    expect(grown.config.layers).toBe(5);
    expect(parameterCount(grown.config)).toBeGreaterThan(parameterCount(tiny));
    const tokens = [1, 7, 3, 39, 0, 12, 5];
    const before = referenceForward(tiny, weights, tokens);
    const after = referenceForward(grown.config, grown.weights, tokens);
    for (const [t, row] of after.entries()) expect(Array.from(row)).toEqual(Array.from(before[t]));
    // The new blocks are not degenerate copies: their input-side matrices are random.
    const added = grown.origin.indexOf(null);
    expect(grown.weights.get(`l${added}.wq`)!.some((x) => x !== 0)).toBe(true);
    expect(grown.weights.get(`l${added}.wo`)!.every((x) => x === 0)).toBe(true);
  });

  it("leaves the original weights untouched", () => {
    const weights = initWeights(tiny, 3);
    const copy = new Map([...weights].map(([k, v]) => [k, v.slice()]));
    const grown = growDepth(tiny, weights, 4, 1);
    grown.weights.get("l0.wq")!.fill(0);
    for (const [name, values] of copy) expect(weights.get(name)).toEqual(values);
  });

  it("trains: one step moves the new blocks' zero projections off zero", async () => {
    const grown = growDepth(tiny, initWeights(tiny, 3), 3, 1);
    const trainer = await Trainer.create(grown.config, grown.weights, {
      batch: 2,
      seqLen: 8,
      loss: { kind: "cross-entropy" },
    });
    const ids = Array.from({ length: 16 }, (_, i) => (i * 7) % 53);
    const targets = ids.map((x) => (x + 1) % 53);
    await trainer.trainStep({ ids, targets, lossMask: new Float32Array(16).fill(1) }, 1e-2);
    const added = grown.origin.indexOf(null);
    expect(trainer.weights.get(`l${added}.wo`)!.some((x) => x !== 0)).toBe(true);
    expect(trainer.weights.get(`l${added}.w_down`)!.some((x) => x !== 0)).toBe(true);
    await trainer.release();
  });

  it("refuses to shrink or keep the depth", () => {
    const weights = initWeights(tiny, 3);
    expect(() => growDepth(tiny, weights, 2, 1)).toThrow(/more than 2 layers, got 2/);
    expect(() => growDepth(tiny, weights, 2.5, 1)).toThrow(RangeError);
  });
});
