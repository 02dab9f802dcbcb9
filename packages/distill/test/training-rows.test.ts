import { describe, expect, it } from "vitest";
import { validateDistillationConfig } from "../src/distillation-config.js";
import { assembleTeacherProbs, buildTrainingRows, fitExample } from "../src/training-rows.js";

describe("buildTrainingRows", () => {
  it("masks exactly the positions that predict continuation tokens, padding with 0", () => {
    const rows = buildTrainingRows([{ prompt: [5, 6, 7], continuation: [8, 9] }], 8, 16);
    expect([...rows.ids]).toEqual([5, 6, 7, 8, 9, 0, 0, 0]);
    expect([...rows.targets]).toEqual([6, 7, 8, 9, 0, 0, 0, 0]);
    // Position 2 (token 7) predicts 8 and position 3 predicts 9; nothing else counts.
    expect([...rows.lossMask]).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    expect(rows.lossTokens).toBe(2);
    expect(rows.tokens).toEqual([[5, 6, 7, 8, 9]]);
  });

  it("cuts long examples from the prompt's front, keeping one prompt token, then the continuation's tail", () => {
    expect(fitExample({ prompt: [1, 2, 3, 4], continuation: [5, 6] }, 4)).toEqual({
      row: [3, 4, 5, 6],
      promptLength: 2,
    });
    expect(fitExample({ prompt: [1, 2, 3], continuation: [4, 5, 6, 7, 8] }, 4)).toEqual({
      row: [3, 4, 5, 6],
      promptLength: 1,
    });
    const rows = buildTrainingRows([{ prompt: [1, 2, 3], continuation: [4, 5, 6, 7, 8] }], 4, 16);
    expect([...rows.lossMask]).toEqual([1, 1, 1, 0]);
  });

  it("refuses tokens outside the vocabulary", () => {
    expect(() => buildTrainingRows([{ prompt: [1], continuation: [99] }], 4, 16)).toThrow(RangeError);
  });

  it("lays teacher distributions out per row and fills pads with a uniform distribution", () => {
    const rows = buildTrainingRows([{ prompt: [1], continuation: [0] }], 3, 2);
    const probs = assembleTeacherProbs(rows, [Float32Array.of(1, 0, 0, 1)], 3, 2);
    expect([...probs]).toEqual([1, 0, 0, 1, 0.5, 0.5]);
    expect(() => assembleTeacherProbs(rows, [Float32Array.of(1, 0)], 3, 2)).toThrow(/expected 2×2/);
  });
});

describe("validateDistillationConfig", () => {
  const ok = {
    steps: 1,
    batchSize: 1,
    seqLen: 8,
    learningRate: 1e-3,
    warmupSteps: 0,
    evalInterval: 1,
    evalPrompts: [[1]],
    evalMaxNewTokens: 4,
    gamma: 2,
    temperature: 0,
    seed: 0,
    outDir: "/tmp/x",
  };
  const draft = { contextLength: 16, vocabSize: 8 };

  it.each([
    ["steps", { steps: 0 }],
    ["batchSize", { batchSize: 0 }],
    ["seqLen", { seqLen: 17 }],
    ["seqLen", { seqLen: 1 }],
    ["learningRate", { learningRate: 0 }],
    ["warmupSteps", { warmupSteps: -1 }],
    ["evalInterval", { evalInterval: 1.5 }],
    ["gamma", { gamma: 0 }],
    ["temperature", { temperature: -1 }],
    ["seed", { seed: -1 }],
    ["evalPrompts", { evalPrompts: [] }],
    ["evalPrompts[0]", { evalPrompts: [[8]] }],
  ])("names %s", (field, patch) => {
    expect(() => validateDistillationConfig({ ...ok, ...patch }, draft)).toThrow(RangeError);
    expect(() => validateDistillationConfig({ ...ok, ...patch }, draft)).toThrow(`config: ${field} `);
  });

  it("accepts a sane config", () => {
    expect(() => validateDistillationConfig(ok, draft)).not.toThrow();
  });
});
