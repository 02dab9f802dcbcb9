import { describe, expect, it } from "vitest";
import { ExtendBatcher, initWeights, type ModelConfig, ModelRunner } from "../src/index.js";

const config: ModelConfig = {
  name: "batcher",
  vocabSize: 61,
  contextLength: 64,
  layers: 2,
  heads: 2,
  width: 16,
  ffnHidden: 32,
  ropeTheta: 10000,
  normEps: 1e-5,
};

describe("ExtendBatcher", () => {
  it("runs concurrent extensions in one batch with the same logits as one at a time", async () => {
    const runner = await ModelRunner.create(config, initWeights(config, 5));
    const prompts = [
      [1, 2, 3],
      [4, 5, 6, 7, 8, 9],
      [10, 11],
      [12, 13, 14, 15],
    ];
    const alone: Float32Array[] = [];
    for (const p of prompts) alone.push(await runner.extend(runner.createCache(), p));
    const batcher = new ExtendBatcher(runner, 8);
    const results = await Promise.all(prompts.map((p) => batcher.extend(runner.createCache(), p)));
    expect(results.map((r) => r.batchSize)).toEqual([4, 4, 4, 4]);
    results.forEach((r, i) => {
      let maxDiff = 0;
      for (let j = 0; j < alone[i].length; j++)
        maxDiff = Math.max(maxDiff, Math.abs(alone[i][j] - r.logits[j]));
      expect(maxDiff).toBeLessThan(1e-4);
    });
    await runner.release();
  });

  it("rejects a bad request alone and keeps serving the others", async () => {
    const runner = await ModelRunner.create(config, initWeights(config, 5));
    const batcher = new ExtendBatcher(runner, 8);
    const good = batcher.extend(runner.createCache(), [1, 2]);
    const bad = batcher.extend(runner.createCache(), [1, 999]);
    await expect(bad).rejects.toThrow(/token id 999/);
    expect((await good).logits.length).toBe(2 * config.vocabSize);
    await runner.release();
  });
});
