import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixtureCorpus } from "@distillspec/datasets";
import { loadCheckpoint } from "@distillspec/model";
import { trainTokenizer } from "@distillspec/tokenizer";
import { describe, expect, it } from "vitest";
import { parsePerTask, runDistillBench } from "../src/bench-distill.js";
import { tinyCheckpoint } from "./tiny-models.js";

// The distillation benchmark end to end on tiny random models: every key present and finite.

describe("bench distill", () => {
  it("reports baselines, runs, τ gains, wall-clock ratios and the lossy sweep", async () => {
    const tokenizer = trainTokenizer(loadFixtureCorpus().train, { vocabSize: 300 });
    const checkpoint = (seed: number) => tinyCheckpoint(tokenizer, seed);
    const report = await runDistillBench({
      quick: true,
      models: { tokenizer, target: checkpoint(1), draft: checkpoint(2) },
      tasks: ["arithmetic"],
      divergences: ["fkl"],
      generators: ["on-policy", "teacher", "mixture"],
      modes: ["sampled"],
      steps: { arithmetic: 2 },
      learningRate: 3e-3,
      log: () => {},
    });
    expect(report.runs.map((r) => [r.generator, r.mode, r.steps, r.learningRate])).toEqual([
      ["on-policy", "sampled", 2, 3e-3],
      ["teacher", "sampled", 2, 3e-3],
      ["mixture", "sampled", 2, 3e-3],
    ]);
    for (const value of [
      report.tau_gain_greedy,
      report.tau_gain_sampled,
      ...report.wall_clock.map((w) => w.speedup_distilled),
    ]) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThan(0);
    }
    expect(report.lossy_sweep.map((l) => l.f)).toEqual(["target-only", "exp", "exp"]);
    for (const point of report.lossy_sweep) expect(point.target_nll).toBeGreaterThan(0);
    expect(report.baselines.arithmetic.sampled.tau).toBeGreaterThanOrEqual(1);
    for (const run of [report.baselines.arithmetic, ...report.runs]) {
      expect(run.acceptance.beta).toBeGreaterThan(0);
      expect(run.acceptance.beta).toBeLessThanOrEqual(1 + 1e-6);
      expect(run.acceptance.positions).toBeGreaterThan(0);
    }
    // No draft beats one the target always accepts: τ ≤ γ + 1.
    for (const gain of report.gains) {
      expect(gain.tau_gain_sampled).toBeLessThanOrEqual(gain.tau_gain_ceiling_sampled);
      expect(gain.tau_gain_greedy).toBeLessThanOrEqual(gain.tau_gain_ceiling_greedy);
    }
  }, 120_000);

  it("distils one draft per decoding mode and trains each mode's grid winner again for the final steps", async () => {
    const tokenizer = trainTokenizer(loadFixtureCorpus().train, { vocabSize: 300 });
    const report = await runDistillBench({
      quick: true,
      models: { tokenizer, target: tinyCheckpoint(tokenizer, 1), draft: tinyCheckpoint(tokenizer, 2) },
      tasks: ["arithmetic"],
      divergences: ["tvd", "fkl"],
      generators: ["on-policy"],
      steps: 2,
      finalSteps: { arithmetic: 3 },
      log: () => {},
    });
    const grid = report.runs.filter((r) => r.phase === "grid");
    expect(grid.map((r) => [r.divergence, r.mode, r.steps, r.learningRate])).toEqual([
      ["tvd", "greedy", 2, 5e-4],
      ["tvd", "sampled", 2, 5e-4],
      ["fkl", "greedy", 2, 5e-4],
      ["fkl", "sampled", 2, 5e-4],
    ]);
    const final = report.runs.filter((r) => r.phase === "final");
    expect(final.map((r) => [r.mode, r.steps])).toEqual([
      ["greedy", 3],
      ["sampled", 3],
    ]);
    for (const run of final) {
      const winner = grid
        .filter((r) => r.mode === run.mode)
        .reduce((a, b) => (b[run.mode].tau > a[run.mode].tau ? b : a));
      expect(run.divergence).toBe(winner.divergence);
    }
    expect(report.settings.distillation_temperatures).toEqual({ greedy: 0.3, sampled: 1 });
    expect(report.on_policy_vs_fixed).toEqual([]);
    expect(report.wall_clock.map((w) => w.temperature)).toEqual([0, 1]);
  }, 120_000);

  it("measures drafts distilled elsewhere with the runs' drafts, recipe from their metadata", async () => {
    const tokenizer = trainTokenizer(loadFixtureCorpus().train, { vocabSize: 300 });
    // Scaled-up random weights: peaked distributions, so a random draft disagrees with the target.
    const sharp = (seed: number) => {
      const checkpoint = tinyCheckpoint(tokenizer, seed);
      for (const [name, w] of checkpoint.weights)
        if (!name.endsWith("norm")) for (let i = 0; i < w.length; i++) w[i] *= 6;
      return checkpoint;
    };
    const target = sharp(1);
    // The target itself as a "distilled draft": accepted always, so it must rank first in both modes.
    const perfect = {
      ...target,
      metadata: { distilled: { divergence: "fkl", generator: "teacher", temperature: 0, steps: 7 } },
    };
    const options = {
      quick: true,
      models: { tokenizer, target, draft: sharp(2) },
      tasks: ["arithmetic" as const],
      divergences: ["fkl"],
      generators: ["fixed"],
      modes: ["sampled" as const],
      steps: 1,
      log: () => {},
    };
    const keepDraftsDir = await mkdtemp(join(tmpdir(), "bench-distill-kept-"));
    const report = await runDistillBench({
      ...options,
      keepDraftsDir,
      givenDrafts: [{ path: "perfect.ckpt", checkpoint: perfect }],
    });
    // A kept draft carries its recipe, so it can be given back later.
    const kept = await loadCheckpoint(join(keepDraftsDir, "arithmetic-fkl-fixed-sampled-grid.ckpt"));
    await rm(keepDraftsDir, { recursive: true, force: true });
    expect(kept.metadata.distilled).toMatchObject({
      task: "arithmetic",
      divergence: "fkl",
      generator: "fixed",
      steps: 1,
      temperature: 1,
    });
    const given = report.runs.find((r) => r.phase === "given")!;
    expect([given.path, given.divergence, given.generator, given.mode, given.steps]).toEqual([
      "perfect.ckpt",
      "fkl",
      "teacher",
      "greedy",
      7,
    ]);
    expect(given.acceptance.beta).toBeCloseTo(1, 5);
    expect(report.settings.given_drafts).toEqual(["perfect.ckpt"]);
    expect(report.gains[0].best_sampled).toMatch(
      /^perfect\.ckpt: fkl × teacher for greedy \(given, 7 steps\)/,
    );
    // Greedily, tiny models' top tokens tie often (tied embeddings favour repeating a token): no strict win.
    expect(given.greedy.tau).toBe(Math.max(...report.runs.map((r) => r.greedy.tau)));

    const wide = { ...tinyCheckpoint(tokenizer, 3), config: { ...target.config, width: 32 } };
    await expect(
      runDistillBench({ ...options, givenDrafts: [{ path: "wide.ckpt", checkpoint: wide }] }),
    ).rejects.toThrow(/wide\.ckpt: another architecture/);
    const otherTokenizer = { ...perfect, tokenizerIdentity: "cd".repeat(32) };
    await expect(
      runDistillBench({ ...options, givenDrafts: [{ path: "other.ckpt", checkpoint: otherTokenizer }] }),
    ).rejects.toThrow(/tokenizer mismatch: other\.ckpt/);

    // Only given drafts: nothing trained, so no steps or learning rates are reported.
    const givenOnly = await runDistillBench({
      ...options,
      divergences: [],
      givenDrafts: [{ path: "perfect.ckpt", checkpoint: perfect }],
    });
    expect(givenOnly.runs.map((r) => r.phase)).toEqual(["given"]);
    expect(givenOnly.settings.steps).toEqual({ arithmetic: null });
    expect(givenOnly.settings.learning_rates).toEqual({ arithmetic: null });
  }, 120_000);

  it("takes --steps and --lr for every task or per task, and names what is wrong", () => {
    const positive = (x: number) => x > 0;
    expect(parsePerTask("--lr", undefined, positive)).toBeUndefined();
    expect(parsePerTask("--lr", "2e-3", positive)).toBe(2e-3);
    expect(parsePerTask("--lr", "language-modelling=2e-3, arithmetic=5e-4", positive)).toEqual({
      "language-modelling": 2e-3,
      arithmetic: 5e-4,
    });
    expect(() => parsePerTask("--lr", "poetry=1", positive)).toThrow(/--lr: unknown task "poetry"/);
    expect(() => parsePerTask("--lr", "arithmetic=", positive)).toThrow(/--lr: bad value ""/);
    expect(() => parsePerTask("--steps", "-3", positive)).toThrow(/--steps: bad value "-3"/);
  });
});
