import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixtureCorpus } from "@distillspec/datasets";
import { initWeights, loadCheckpoint, referenceForward, saveCheckpoint } from "@distillspec/model";
import { trainTokenizer } from "@distillspec/tokenizer";
import { afterAll, describe, expect, it } from "vitest";
import { growCommand } from "../src/grow.js";
import { DEFAULT_PRETRAIN, pretrain } from "../src/pretrain.js";
import { tinyConfig } from "./tiny-models.js";

// `grow` then `pretrain --init`: the grown checkpoint computes what its source does, and continued
// training starts from it (its shape, its weights) and records where it came from.

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("grow, then pretrain --init", () => {
  it("grows a checkpoint losslessly and trains the grown model further", async () => {
    const fixture = loadFixtureCorpus();
    const tokenizer = trainTokenizer(fixture.train, { vocabSize: 300 });
    const config = tinyConfig(tokenizer.vocabSize, 256);
    const dir = await mkdtemp(join(tmpdir(), "grow-"));
    dirs.push(dir);
    await tokenizer.save(join(dir, "tokenizer.json"));
    const source = join(dir, "source.ckpt");
    await saveCheckpoint(source, {
      config,
      tokenizerIdentity: tokenizer.identity,
      weights: initWeights(config, 5),
      metadata: { steps: 7 },
    });
    const grownPath = join(dir, "grown.ckpt");
    await growCommand({ from: source, layers: config.layers + 2, out: grownPath, seed: 1, log: () => {} });

    const [before, grown] = await Promise.all([loadCheckpoint(source), loadCheckpoint(grownPath)]);
    expect(grown.config.layers).toBe(config.layers + 2);
    expect(grown.tokenizerIdentity).toBe(before.tokenizerIdentity);
    expect(grown.metadata.grownFrom).toMatchObject({
      path: source,
      layers: config.layers,
      metadata: { steps: 7 },
    });
    const tokens = tokenizer.encode(fixture.validation[0]).slice(0, 12);
    const a = referenceForward(before.config, before.weights, tokens);
    const b = referenceForward(grown.config, grown.weights, tokens);
    for (const [t, row] of b.entries()) expect(Array.from(row)).toEqual(Array.from(a[t]));

    await pretrain({
      ...DEFAULT_PRETRAIN.target,
      role: "target",
      outDir: dir,
      initFrom: grownPath,
      corpus: { train: fixture.train, validation: fixture.validation },
      steps: 3,
      batch: 2,
      seqLen: 32,
      warmup: 1,
      evalEvery: 3,
      checkpointEvery: 3,
      arithmeticEvalCount: 1,
      float16: false,
      log: () => {},
    });
    const trained = await loadCheckpoint(join(dir, "target.ckpt"));
    expect(trained.config).toEqual(grown.config);
    expect(trained.metadata.initFrom).toMatchObject({
      path: grownPath,
      grownFrom: { layers: config.layers },
    });
    const moved = [...trained.weights].some(([name, w]) =>
      w.some((x, i) => x !== grown.weights.get(name)![i]),
    );
    expect(moved).toBe(true);
  });

  it("refuses to continue a checkpoint trained with another tokenizer", async () => {
    const fixture = loadFixtureCorpus();
    const tokenizer = trainTokenizer(fixture.train, { vocabSize: 300 });
    const dir = await mkdtemp(join(tmpdir(), "grow-"));
    dirs.push(dir);
    await tokenizer.save(join(dir, "tokenizer.json"));
    const config = tinyConfig(tokenizer.vocabSize, 256);
    const source = join(dir, "other.ckpt");
    await saveCheckpoint(source, { config, tokenizerIdentity: "ab12", weights: initWeights(config, 5) });
    await expect(
      pretrain({
        ...DEFAULT_PRETRAIN.target,
        role: "target",
        outDir: dir,
        initFrom: source,
        corpus: { train: fixture.train, validation: fixture.validation },
        log: () => {},
      }),
    ).rejects.toThrow(`${source} was trained with another tokenizer than ${join(dir, "tokenizer.json")}`);
  });

  it("refuses a depth that does not grow the model", async () => {
    const dir = await mkdtemp(join(tmpdir(), "grow-"));
    dirs.push(dir);
    const config = tinyConfig(300, 256);
    const source = join(dir, "source.ckpt");
    await saveCheckpoint(source, { config, tokenizerIdentity: "ab12", weights: initWeights(config, 5) });
    await expect(
      growCommand({ from: source, layers: config.layers, out: join(dir, "x.ckpt"), seed: 1, log: () => {} }),
    ).rejects.toThrow(`a grown model needs more than ${config.layers} layers`);
  });
});
