import { describe, expect, it } from "vitest";
import {
  buildTrainingModel,
  initWeights,
  type ModelConfig,
  ModelRunner,
  referenceForward,
  Trainer,
  weightSpecs,
} from "../src/index.js";
import { maxDiffAgainstPieces } from "./support/compare-logits.js";

// The ONNX inference graph against the float64 reference forward, and KV-cache steps against one full pass.

const config: ModelConfig = {
  name: "parity",
  vocabSize: 97,
  contextLength: 48,
  layers: 2,
  heads: 4,
  width: 32,
  ffnHidden: 48,
  ropeTheta: 10000,
  normEps: 1e-5,
};

/** Larger-than-init weights so logits are far from uniform and mistakes show. */
function sharpWeights() {
  const weights = initWeights(config, 7);
  for (const spec of weightSpecs(config)) {
    if (spec.init === "normal")
      for (const [i, v] of weights.get(spec.name)!.entries()) weights.get(spec.name)![i] = v * 8;
  }
  return weights;
}

const tokens = Array.from({ length: 40 }, (_, i) => (i * 31 + 5) % config.vocabSize);

describe("inference graph", () => {
  it("matches the float64 reference within 1e-4", async () => {
    const weights = sharpWeights();
    const runner = await ModelRunner.create(config, weights);
    const logits = await runner.extend(runner.createCache(), tokens);
    const reference = referenceForward(config, weights, tokens);
    let maxDiff = 0;
    let maxAbs = 0;
    reference.forEach((row, t) => {
      row.forEach((value, v) => {
        maxDiff = Math.max(maxDiff, Math.abs(value - logits[t * config.vocabSize + v]));
        maxAbs = Math.max(maxAbs, Math.abs(value));
      });
    });
    expect(maxAbs).toBeGreaterThan(1); // the check is meaningful only if logits are not all ~0
    expect(maxDiff).toBeLessThan(1e-4);
    await runner.release();
  });

  it("cached extension in chunks equals one full pass, also after truncation", async () => {
    const weights = sharpWeights();
    const runner = await ModelRunner.create(config, weights);
    const full = await runner.extend(runner.createCache(), tokens);
    const cache = runner.createCache();
    const parts: Float32Array[] = [];
    parts.push(await runner.extend(cache, tokens.slice(0, 17)));
    // A rejected draft: extend with wrong tokens, then roll back.
    await runner.extend(cache, [1, 2, 3, 4, 5]);
    cache.truncate(17);
    for (let start = 17; start < tokens.length; start += 5) {
      parts.push(await runner.extend(cache, tokens.slice(start, start + 5)));
    }
    expect(maxDiffAgainstPieces(full, parts)).toBeLessThan(1e-4);
    await runner.release();
  });

  it("batched extension of ragged sequences equals separate runs", async () => {
    const weights = sharpWeights();
    const runner = await ModelRunner.create(config, weights);
    const full = await runner.extend(runner.createCache(), tokens);
    const a = runner.createCache();
    const b = runner.createCache();
    await runner.extend(a, tokens.slice(0, 9));
    await runner.extend(b, tokens.slice(0, 20));
    const [ra, rb] = await runner.extendBatch([
      { cache: a, tokens: tokens.slice(9, 11) },
      { cache: b, tokens: tokens.slice(20, 25) },
    ]);
    const v = config.vocabSize;
    let maxDiff = 0;
    for (let i = 0; i < 2 * v; i++) maxDiff = Math.max(maxDiff, Math.abs(ra.logits[i] - full[9 * v + i]));
    for (let i = 0; i < 5 * v; i++) maxDiff = Math.max(maxDiff, Math.abs(rb.logits[i] - full[20 * v + i]));
    expect(maxDiff).toBeLessThan(1e-4);
    expect(a.length).toBe(11);
    expect(b.length).toBe(25);
    await runner.release();
  });

  it("rejects out-of-range tokens and over-long sequences with clear messages", async () => {
    const runner = await ModelRunner.create(config, initWeights(config, 1));
    const cache = runner.createCache();
    await expect(runner.extend(cache, [3, 97])).rejects.toThrow(
      /token id 97 at position 1 is outside the vocabulary/,
    );
    await expect(runner.extend(cache, new Array(49).fill(1))).rejects.toThrow(
      /exceeds the context length 48/,
    );
    expect(cache.length).toBe(0); // nothing half-applied
    await runner.release();
  });
});

describe("training graph", () => {
  it("its loss equals the reference cross-entropy and one step lowers it", async () => {
    const weights = sharpWeights();
    const seqLen = 12;
    const ids = tokens.slice(0, seqLen * 2);
    const targets = tokens.slice(1, seqLen * 2 + 1);
    const trainer = await Trainer.create(config, weights, {
      batch: 2,
      seqLen,
      loss: { kind: "cross-entropy" },
      optimizer: { weightDecay: 0 },
    });
    const batch = { ids, targets, lossMask: new Float32Array(seqLen * 2).fill(1) };
    let expected = 0;
    for (let row = 0; row < 2; row++) {
      const logits = referenceForward(config, weights, ids.slice(row * seqLen, (row + 1) * seqLen));
      logits.forEach((l, t) => {
        const max = Math.max(...l);
        const logZ = max + Math.log(l.reduce((s, x) => s + Math.exp(x - max), 0));
        expected += logZ - l[targets[row * seqLen + t]];
      });
    }
    expected /= seqLen * 2;
    const before = await trainer.evaluate(batch);
    expect(Math.abs(before - expected) / expected).toBeLessThan(1e-4);
    for (let i = 0; i < 5; i++) await trainer.trainStep(batch, 1e-2);
    expect(await trainer.evaluate(batch)).toBeLessThan(before * 0.9);
    await trainer.release();
  });

  it("refuses a sequence longer than the context", () => {
    expect(() =>
      buildTrainingModel(config, { batch: 1, seqLen: 49, loss: { kind: "cross-entropy" } }),
    ).toThrow(/exceeds the context length 48/);
  });
});
