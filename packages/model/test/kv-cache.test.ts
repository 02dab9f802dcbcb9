import { describe, expect, it } from "vitest";
import { initWeights, KvCache, type ModelConfig, ModelRunner } from "../src/index.js";
import { maxDiffAgainstPieces } from "./support/compare-logits.js";

const config: ModelConfig = {
  name: "grow",
  vocabSize: 50,
  contextLength: 300,
  layers: 2,
  heads: 2,
  width: 16,
  ffnHidden: 24,
  ropeTheta: 10000,
  normEps: 1e-5,
};

describe("KvCache", () => {
  it("starts small, grows by doubling up to the context, and keeps its contents", async () => {
    const runner = await ModelRunner.create(config, initWeights(config, 3));
    const tokens = Array.from({ length: 290 }, (_, i) => (i * 7 + 1) % config.vocabSize);
    const full = await runner.extend(runner.createCache(), tokens);
    const cache = runner.createCache();
    expect(cache.allocatedRows).toBe(64);
    const parts: Float32Array[] = [];
    for (let start = 0; start < tokens.length; start += 7)
      parts.push(await runner.extend(cache, tokens.slice(start, start + 7)));
    expect(cache.allocatedRows).toBe(300);
    expect(maxDiffAgainstPieces(full, parts)).toBeLessThan(1e-4);
    await runner.release();
  });

  it("reports the full-context size for memory budgets and refuses to pass the capacity", () => {
    const cache = new KvCache(config);
    expect(cache.byteSize).toBe(2 * 2 * 300 * 16 * 4);
    const rows = (n: number) => Array.from({ length: 2 }, () => new Float32Array(n * 16));
    cache.append(rows(300), rows(300), 300);
    expect(() => cache.append(rows(1), rows(1), 1)).toThrow(/exceeds capacity 300/);
  });
});
