import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DEFAULT_DRAFT_CONFIG,
  initWeights,
  loadModelPair,
  type ModelConfig,
  ModelRunner,
  saveCheckpoint,
  validateConfig,
} from "../src/index.js";

const base: ModelConfig = {
  ...DEFAULT_DRAFT_CONFIG,
  vocabSize: 40,
  layers: 1,
  width: 16,
  heads: 2,
  ffnHidden: 16,
};

describe("invalid configurations fail with a message naming the problem", () => {
  it.each([
    [{ heads: 3 }, /heads \(3\) must divide config.width \(16\)/],
    [{ layers: 0 }, /config.layers must be a positive integer, got 0/],
    [{ vocabSize: 2.5 }, /config.vocabSize must be a positive integer/],
    [{ heads: 16 }, /head size .* must be even/],
    [{ normEps: 0 }, /normEps must be > 0/],
  ] as [Partial<ModelConfig>, RegExp][])("%o", async (override, message) => {
    const config = { ...base, ...override };
    expect(() => validateConfig(config)).toThrow(message);
    await expect(ModelRunner.create(config, new Map())).rejects.toThrow(message);
  });
});

describe("model pairs", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("refuses a draft whose tokenizer differs from the target's", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pair-"));
    dirs.push(dir);
    const weights = initWeights(base, 1);
    await saveCheckpoint(join(dir, "target.ckpt"), {
      config: base,
      tokenizerIdentity: "aa".repeat(32),
      weights,
    });
    await saveCheckpoint(join(dir, "draft.ckpt"), {
      config: base,
      tokenizerIdentity: "bb".repeat(32),
      weights,
    });
    await expect(loadModelPair(join(dir, "target.ckpt"), join(dir, "draft.ckpt"))).rejects.toThrow(
      /tokenizer mismatch/,
    );
    await saveCheckpoint(join(dir, "draft.ckpt"), {
      config: base,
      tokenizerIdentity: "aa".repeat(32),
      weights,
    });
    const pair = await loadModelPair(join(dir, "target.ckpt"), join(dir, "draft.ckpt"));
    expect(pair.draft.config.vocabSize).toBe(40);
  });
});
