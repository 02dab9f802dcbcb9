import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixtureCorpus } from "@distillspec/datasets";
import { loadCheckpoint, saveCheckpoint } from "@distillspec/model";
import { trainTokenizer } from "@distillspec/tokenizer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distillCommand } from "../src/distill.js";
import { tinyCheckpoint } from "./tiny-models.js";

// `distillspec distill` end to end on tiny random models written to a models directory, as a user runs it.

describe("distill command", () => {
  let dir: string;
  let draftPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "distill-cmd-"));
    const tokenizer = trainTokenizer(loadFixtureCorpus().train, { vocabSize: 300 });
    await tokenizer.save(join(dir, "tokenizer.json"));
    const save = (name: string, seed: number) =>
      saveCheckpoint(join(dir, name), { ...tinyCheckpoint(tokenizer, seed), metadata: { role: name } });
    await save("target.ckpt", 1);
    await save("draft.ckpt", 2);
    draftPath = join(dir, "draft.ckpt");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const options = (out: string) => ({
    out,
    models: dir,
    task: "mixed",
    steps: 4,
    batch: 2,
    seqLen: 64,
    evalEvery: 2,
    evalPrompts: 2,
    threads: 1,
    log: () => {},
  });

  it("writes the best draft by α with how it was made, and leaves the starting draft alone", async () => {
    const out = join(dir, "distilled.ckpt");
    const outcome = await distillCommand(options(out));
    expect(outcome.cancelled).toBe(false);
    const written = await loadCheckpoint(out);
    const start = await loadCheckpoint(draftPath);
    const distilled = written.metadata.distilled as Record<string, unknown>;
    expect(distilled).toMatchObject({ task: "mixed", divergence: "jsd", generator: "on-policy", steps: 4 });
    expect(written.metadata.role).toBe("draft.ckpt");
    expect(outcome.best?.alpha).toBeGreaterThanOrEqual(outcome.baseline?.alpha ?? 0);
    // The best is either the starting draft (step 0) or a trained one; after training it differs.
    if ((outcome.best?.step ?? 0) > 0) {
      const changed = [...written.weights].some(([name, w]) =>
        w.some((x, j) => x !== start.weights.get(name)?.[j]),
      );
      expect(changed).toBe(true);
    }
    expect(start.metadata.distilled).toBeUndefined();
  });

  it("a cancelled run saves its state, and --resume finishes it", async () => {
    const out = join(dir, "resumed.ckpt");
    const controller = new AbortController();
    let steps = 0;
    const first = await distillCommand({
      ...options(out),
      log: (line) => {
        if (line.startsWith("step ") && !line.startsWith("step 0") && ++steps >= 1) controller.abort();
      },
      signal: controller.signal,
    });
    expect(first.cancelled).toBe(true);
    const second = await distillCommand({ ...options(out), resume: true });
    expect(second.cancelled).toBe(false);
    expect(second.final?.step).toBe(4);
    expect((await loadCheckpoint(out)).metadata.distilled).toBeDefined();
  });

  it("refuses unknown tasks, plugins and malformed plugin options with the flag named", async () => {
    const out = join(dir, "never.ckpt");
    await expect(distillCommand({ ...options(out), task: "poetry" })).rejects.toThrow(/--task/);
    await expect(distillCommand({ ...options(out), divergence: "hellinger" })).rejects.toThrow(
      /--divergence/,
    );
    await expect(distillCommand({ ...options(out), generatorOptions: "{nope" })).rejects.toThrow(
      /--generator-options must be JSON/,
    );
    await expect(
      distillCommand({ ...options(out), generator: "mixture", generatorOptions: '{"lambda": 2}' }),
    ).rejects.toThrow(/lambda/);
  });
});
