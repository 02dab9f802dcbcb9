import { describe, expect, it } from "vitest";
import { DEFAULT_DRAFT_CONFIG, InvalidConfigError, type ModelConfig } from "../src/config.js";
import { initWeights } from "../src/init-weights.js";
import { weightSpecs } from "../src/weight-spec.js";

const tiny: ModelConfig = {
  ...DEFAULT_DRAFT_CONFIG,
  name: "tiny",
  vocabSize: 50,
  layers: 2,
  width: 16,
  heads: 2,
  ffnHidden: 40,
};

describe("initWeights", () => {
  it("creates every spec'd tensor with the right size and nothing else", () => {
    const w = initWeights(tiny, 1);
    const specs = weightSpecs(tiny);
    expect([...w.keys()]).toEqual(specs.map((s) => s.name));
    for (const s of specs) {
      const t = w.get(s.name)!;
      expect(t).toBeInstanceOf(Float32Array);
      expect(t.length).toBe(s.shape.reduce((a, b) => a * b, 1));
      if (s.init === "ones") expect(t.every((x) => x === 1)).toBe(true);
      else expect(t.every((x) => Number.isFinite(x) && x !== 1)).toBe(true);
    }
  });

  it("is deterministic per seed and differs across seeds", () => {
    const a = initWeights(tiny, 7);
    const b = initWeights(tiny, 7n);
    const c = initWeights(tiny, 8);
    for (const [name, t] of a) expect(b.get(name)).toEqual(t);
    expect(c.get("tok_emb")).not.toEqual(a.get("tok_emb"));
    // Separate streams per tensor: two same-shaped matrices are not copies of each other.
    expect(a.get("l0.wq")).not.toEqual(a.get("l0.wk"));
  });

  it("keeps a tensor's values stable when unrelated layers are added", () => {
    const two = initWeights(tiny, 3);
    const three = initWeights({ ...tiny, layers: 3 }, 3);
    expect(three.get("l1.w_up")).toEqual(two.get("l1.w_up"));
  });

  it("draws normal tensors with mean 0 and the spec'd std", () => {
    const config = DEFAULT_DRAFT_CONFIG;
    const w = initWeights(config, 42);
    for (const s of weightSpecs(config).filter((x) => x.init === "normal" && x.name.startsWith("l0."))) {
      const t = w.get(s.name)!;
      let sum = 0;
      let sq = 0;
      for (const x of t) {
        sum += x;
        sq += x * x;
      }
      const mean = sum / t.length;
      const std = Math.sqrt(sq / t.length - mean * mean);
      // n ≥ 16384 samples per tensor: 5σ bounds on mean and on std.
      expect(Math.abs(mean)).toBeLessThan((5 * s.std) / Math.sqrt(t.length));
      expect(Math.abs(std / s.std - 1)).toBeLessThan(5 / Math.sqrt(2 * t.length));
    }
  });

  it("validates the config first", () => {
    expect(() => initWeights({ ...tiny, heads: 3 }, 1)).toThrow(InvalidConfigError);
    expect(() => initWeights({ ...tiny, width: 0 }, 1)).toThrow(/config.width/);
  });
});
