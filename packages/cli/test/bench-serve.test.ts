import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  alphaForTau,
  expectedTau,
  explainFailures,
  formatServeBenchReport,
  runServeBench,
  TABLE_KEYS,
} from "../src/bench-serve.js";
import { heldOutPrompts } from "../src/held-out-prompts.js";
import { liveServiceProcessCount } from "../src/service-processes.js";
import { writeTinyModelsDir } from "./tiny-models.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "distillspec-bench-serve-"));
  // A distilled draft next to the pretrained one: served by default, compared against the other.
  await writeTinyModelsDir(dir, {
    "target.ckpt": { name: "tiny-target", seed: 1 },
    "draft.ckpt": { name: "tiny-draft", seed: 2 },
    "draft-distilled.ckpt": { name: "tiny-draft", seed: 3 },
    "draft-greedy.ckpt": { name: "tiny-draft", seed: 4 },
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NUMERIC_KEYS = [...TABLE_KEYS, "duration_s"] as const;

describe("runServeBench", () => {
  it("reports every key as a finite number on tiny models served by separate processes", async () => {
    const report = await runServeBench({
      modelsDir: dir,
      // Greedy requests go to their own draft-proposer, with a draft of their own.
      greedyDraftPath: join(dir, "draft-greedy.ckpt"),
      settings: {
        prompts: 2,
        maxNewTokens: 6,
        promptTokens: 12,
        sweepGammas: [1, 3],
        sweepPrompts: 1,
        concurrency: 3,
        throughputReps: 1,
      },
    });
    for (const key of NUMERIC_KEYS) expect(Number.isFinite(report[key]), key).toBe(true);
    for (const key of [
      "speedup_greedy",
      "speedup_sampled",
      "tau",
      "cost_ratio_c",
      "predicted_speedup",
    ] as const)
      expect(report[key], key).toBeGreaterThan(0);
    expect(report.alpha).toBeGreaterThanOrEqual(0);
    expect(report.alpha).toBeLessThanOrEqual(1);
    expect(report.tau).toBeGreaterThanOrEqual(1);
    expect(report.tau).toBeLessThanOrEqual(report.settings.gamma + 1);
    expect(report.acceptance_per_position).toHaveLength(report.settings.gamma);
    for (const a of [...report.acceptance_per_position, ...report.acceptance_per_position_sampled])
      expect(a >= 0 && a <= 1).toBe(true);
    // Greedy speculative decoding reproduces target-only decoding.
    expect(report.greedy_outputs_identical).toBe(2);
    expect(report.predicted_speedup).toBeCloseTo(
      report.tau / (report.settings.gamma * report.cost_ratio_c + 1),
    );
    expect(report.efficiency).toBeCloseTo(report.speedup_greedy / report.predicted_speedup);
    for (const value of Object.values(report.round)) expect(Number.isFinite(value)).toBe(true);
    // Opening the sessions is timed apart from the rounds, and only the wall time holds it.
    expect(report.round.prefill_ms_per_generation).toBeGreaterThan(0);
    expect(report.round.prefill_ms_per_generation / report.round.rounds_per_generation).toBeLessThan(
      report.speculative_ms_per_token * report.tau,
    );
    expect(report.gamma_sweep.map((p) => p.gamma)).toEqual([1, 3]);
    for (const point of report.gamma_sweep)
      for (const value of Object.values(point)) expect(Number.isFinite(value)).toBe(true);
    expect(report.models.target).toEqual({ name: "tiny-target", params: expect.any(Number) });
    expect(report.models.draft.name).toBe("tiny-draft");
    expect(report.checkpoints.draft).toBe(join(dir, "draft-distilled.ckpt"));
    expect(report.checkpoints.greedyDraft).toBe(join(dir, "draft-greedy.ckpt"));
    expect(report.non_distilled?.checkpoint).toBe(join(dir, "draft.ckpt"));
    for (const value of Object.values(report.non_distilled ?? {}))
      if (typeof value === "number") expect(Number.isFinite(value)).toBe(true);
    expect(report.non_distilled?.tau).toBeGreaterThanOrEqual(1);
    expect(report.prompt_sources).toEqual({ sotu: 1, arithmetic: 1 });
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.loadavg_at_start).toHaveLength(3);
    for (const [key, target] of Object.entries(report.targets)) {
      expect(target.value, key).toBe(report[key as keyof typeof report.targets]);
      expect(target.pass).toBe(
        key === "efficiency" ? target.value >= 0.8 : target.value >= (key === "speedup_greedy" ? 1.8 : 3),
      );
    }
    // A failed target is explained; a passed one is not.
    expect(report.notes).toEqual(explainFailures(report));
    expect(report.notes.length).toBe(Object.values(report.targets).filter((t) => !t.pass).length);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const table = formatServeBenchReport(report);
    expect(table).toMatch(/speedup_greedy\s+[\d.]+\s+≥ 1.8\s+(pass|FAIL)/);
    expect(table).toMatch(/non-distilled \(.*draft\.ckpt, hot-swapped in\)/);
    expect(table).toMatch(/greedy requests: .*draft-greedy\.ckpt/);
    expect(table).toMatch(/throughput_gain_16\s+[\d.]+\s+≥ 3\s+(pass|FAIL)/);
    if (process.platform === "linux") {
      for (const share of Object.values(report.throughput_cpu!.concurrent)) {
        expect(Number.isFinite(share)).toBe(true);
        expect(share).toBeGreaterThanOrEqual(0);
      }
    }
    expect(liveServiceProcessCount()).toBe(0);
  });
});

describe("expectedTau / alphaForTau", () => {
  it("invert each other and bound τ by γ + 1", () => {
    expect(expectedTau(0, 4)).toBe(1);
    expect(expectedTau(1, 4)).toBe(5);
    expect(expectedTau(0.5, 4)).toBeCloseTo(1.9375);
    expect(alphaForTau(1.9375, 4)).toBeCloseTo(0.5, 6);
    expect(alphaForTau(5.1, 4)).toBeUndefined();
  });
});

describe("heldOutPrompts", () => {
  const documents = [
    "First speech. It has sentences. Many of them follow here, one after another, until the end of it.",
    "Second speech. Another one starts here and goes on for a while longer than the cut.",
  ];
  it("alternates SOTU passages and arithmetic questions, deterministically", () => {
    const a = heldOutPrompts(5, { documents, promptTokens: 4, seed: 3 });
    const b = heldOutPrompts(5, { documents, promptTokens: 4, seed: 3 });
    expect(a).toEqual(b);
    expect(a.map((p) => p.source)).toEqual(["sotu", "arithmetic", "sotu", "arithmetic", "sotu"]);
    expect(a[1].text).toMatch(/^Question: .*\nAnswer:$/s);
    for (const p of a.filter((p) => p.source === "sotu")) expect(p.text.length).toBeLessThanOrEqual(16);
  });
});
