import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixtureCorpus } from "@distillspec/datasets";
import { loadCheckpoint } from "@distillspec/model";
import { trainTokenizer } from "@distillspec/tokenizer";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_PRETRAIN, type PretrainOptions, pretrain } from "../src/pretrain.js";
import { tinyConfig } from "./tiny-models.js";

// A pretraining run stopped part-way and resumed must end with exactly the weights of an uninterrupted run:
// optimizer moments, step count and the data RNG all come back from the saved state.

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("pretrain", () => {
  it("resumes from its last checkpoint to bit-identical weights", async () => {
    const fixture = loadFixtureCorpus();
    const tokenizer = trainTokenizer(fixture.train, { vocabSize: 300 });
    const config = tinyConfig(tokenizer.vocabSize, 256);
    const run = async (outDir: string, extra: Partial<PretrainOptions> = {}) =>
      pretrain({
        ...DEFAULT_PRETRAIN.draft,
        role: "draft",
        outDir,
        config,
        corpus: { train: fixture.train, validation: fixture.validation },
        steps: 6,
        batch: 2,
        seqLen: 32,
        warmup: 2,
        evalEvery: 3,
        checkpointEvery: 2,
        arithmeticEvalCount: 1,
        float16: false,
        log: () => {},
        ...extra,
      });
    const straight = await mkdtemp(join(tmpdir(), "pretrain-a-"));
    const resumed = await mkdtemp(join(tmpdir(), "pretrain-b-"));
    dirs.push(straight, resumed);
    for (const dir of [straight, resumed]) await tokenizer.save(join(dir, "tokenizer.json"));

    await run(straight);
    const stopped = await run(resumed, { stopAfterStep: 4 });
    expect(stopped.checkpoint).toBe("");
    await run(resumed);

    const a = await loadCheckpoint(join(straight, "draft.ckpt"));
    const b = await loadCheckpoint(join(resumed, "draft.ckpt"));
    expect(b.metadata.steps).toBe(6);
    for (const [name, weights] of a.weights) expect(b.weights.get(name), name).toEqual(weights);
  });
});
