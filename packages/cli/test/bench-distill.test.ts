import { loadFixtureCorpus } from "@distillspec/datasets";
import { trainTokenizer } from "@distillspec/tokenizer";
import { describe, expect, it } from "vitest";
import { runDistillBench } from "../src/bench-distill.js";
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
      steps: 2,
      log: () => {},
    });
    expect(report.runs.map((r) => r.generator)).toEqual(["on-policy", "teacher", "mixture"]);
    for (const value of [
      report.tau_gain_greedy,
      report.tau_gain_sampled,
      ...report.wall_clock.map((w) => w.speedup_distilled),
    ]) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThan(0);
    }
    expect(report.lossy_sweep.map((l) => l.f)).toEqual(["target-only", "exp", "exp"]);
    expect(report.baselines.arithmetic.sampled.tau).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
