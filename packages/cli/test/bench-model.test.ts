import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initWeights, type ModelConfig, saveCheckpoint } from "@distillspec/model";
import { describe, expect, it } from "vitest";
import {
  formatModelBenchReport,
  matmulParameterCount,
  runModelBench,
  trainingFlops,
} from "../src/bench-model.js";
import { formatTable } from "../src/format-table.js";
import { median } from "../src/timing.js";

const tiny = (name: string, width: number, layers: number): ModelConfig => ({
  name,
  vocabSize: 96,
  contextLength: 64,
  layers,
  heads: 4,
  width,
  ffnHidden: 2 * width,
  ropeTheta: 10000,
  normEps: 1e-5,
});

const NUMERIC_KEYS = [
  "target_params",
  "draft_params",
  "verify_ms_1",
  "verify_ms_5",
  "verify_cost_ratio",
  "verify_ms_batch_16",
  "verify_batch_gain_16",
  "draft_step_ms",
  "cost_ratio_c",
  "train_gflops",
  "matmul_gflops",
  "train_matmul_efficiency",
  "parity_max_abs_diff",
  "parity_max_abs_diff_target",
  "parity_max_abs_diff_draft",
  "train_steps_per_s_target",
  "train_tokens_per_s_target",
  "train_steps_per_s_draft",
  "train_tokens_per_s_draft",
] as const;

const TINY_SETTINGS = {
  prefillTokens: 16,
  reps: 3,
  warmupReps: 1,
  parityTokens: 24,
  trainTarget: { batch: 2, seqLen: 16, threads: 1 },
  trainDraft: { batch: 2, seqLen: 16, threads: 1 },
  trainSteps: 2,
  trainWarmupSteps: 1,
  matmulRunsPerStep: 2,
};

describe("runModelBench", () => {
  it("reports every key as a finite positive number on tiny models", async () => {
    const report = await runModelBench({
      quick: true,
      targetConfig: tiny("tiny-target", 32, 2),
      draftConfig: tiny("tiny-draft", 16, 1),
      settings: TINY_SETTINGS,
    });
    for (const key of NUMERIC_KEYS) {
      expect(Number.isFinite(report[key]), key).toBe(true);
      expect(report[key], key).toBeGreaterThan(0);
    }
    expect(report.parity_max_abs_diff).toBeLessThan(1e-3);
    expect(report.configs).toEqual({ target: "tiny-target", draft: "tiny-draft" });
    expect(report.weights).toEqual({ target: "random", draft: "random" });
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.targets.verify_cost_ratio.pass).toBe(report.verify_cost_ratio <= 1.5);
    expect(report.targets.train_matmul_efficiency.pass).toBe(report.train_matmul_efficiency >= 0.4);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const table = formatModelBenchReport(report);
    expect(table).toMatch(/verify_cost_ratio\s+[\d.]+\s+≤ 1.5\s+(pass|FAIL)/);
  });

  it("loads a checkpoint and falls back to random weights, with a warning, when one is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bench-model-"));
    try {
      const config = tiny("tiny-ckpt", 32, 1);
      const targetPath = join(dir, "target.ckpt");
      await saveCheckpoint(targetPath, { config, tokenizerIdentity: "ab", weights: initWeights(config, 7) });
      const lines: string[] = [];
      const report = await runModelBench({
        targetPath,
        draftPath: join(dir, "missing.ckpt"),
        settings: TINY_SETTINGS,
        log: (line) => lines.push(line),
      });
      expect(report.weights).toEqual({ target: "checkpoint", draft: "random" });
      expect(report.configs).toEqual({ target: "tiny-ckpt", draft: "draft" });
      expect(lines.some((l) => l.includes("missing.ckpt not found"))).toBe(true);
      expect(report.parity_max_abs_diff).toBeLessThan(1e-3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("analytic training FLOPs", () => {
  it("counts matmul weights with the tied head and the full attention square", () => {
    const c = tiny("t", 32, 2);
    expect(matmulParameterCount(c)).toBe(2 * (4 * 32 * 32 + 3 * 32 * 64) + 96 * 32);
    const forward = 2 * 2 * 16 * matmulParameterCount(c) + 2 * 2 * 2 * 2 * 4 * 16 * 16 * 8;
    expect(trainingFlops(c, 2, 16)).toBe(3 * forward);
  });
});

describe("formatTable", () => {
  it("pads columns and right-aligns numbers", () => {
    const out = formatTable(
      ["key", "value"],
      [
        ["a", 1.5],
        ["longer", 1234],
      ],
    );
    expect(out.split("\n")).toEqual(["key     value", "------  -----", "a       1.500", "longer   1234"]);
  });
});

describe("median", () => {
  it("takes the middle or the mean of the two middles", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
