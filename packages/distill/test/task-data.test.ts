import { loadFixtureCorpus } from "@distillspec/datasets";
import { trainTokenizer } from "@distillspec/tokenizer";
import { describe, expect, it } from "vitest";
import { createTaskData, isDistillationTask } from "../src/task-data.js";

const tokenizer = trainTokenizer(loadFixtureCorpus().train, { vocabSize: 300 });

describe("createTaskData", () => {
  it("knows the tasks", () => {
    expect(isDistillationTask("arithmetic")).toBe(true);
    expect(isDistillationTask("language-modelling")).toBe(true);
    expect(isDistillationTask("mixed")).toBe(true);
    expect(isDistillationTask("poetry")).toBe(false);
  });

  it("arithmetic: encoded problem prompts and solutions, deterministic by seed", () => {
    const data = createTaskData("arithmetic", tokenizer, { maxContinuationTokens: 30 });
    const a = data.examples(5, 1n);
    expect(data.examples(5, 1n)).toEqual(a);
    expect(data.examples(5, 2n)).not.toEqual(a);
    for (const { prompt, continuation } of a) {
      expect(prompt.length).toBeGreaterThan(0);
      expect(continuation.length).toBeGreaterThan(0);
      expect(continuation.length).toBeLessThanOrEqual(30);
      expect(tokenizer.decode(prompt)).toMatch(/^Question: .*Answer:$/s);
    }
    expect(data.prompts(5, 1n)).toEqual(a.map((e) => e.prompt));
    // Evaluation prompts come from the held-out split.
    const train = new Set(data.prompts(50, 3n).map((p) => p.join(",")));
    expect(data.evalPrompts(20, 3n).some((p) => train.has(p.join(",")))).toBe(false);
  });

  it("cuts prompts over the cap to their end", () => {
    const capped = createTaskData("arithmetic", tokenizer, { promptCap: 40 });
    const full = createTaskData("arithmetic", tokenizer).prompts(5, 1n);
    expect(capped.prompts(5, 1n)).toEqual(full.map((p) => p.slice(-40)));
    expect(full.some((p) => p.length > 40)).toBe(true);
  });

  it("language-modelling: SOTU windows of prompt + continuation tokens, deterministic by seed", () => {
    const data = createTaskData("language-modelling", tokenizer, {
      maxPromptTokens: 16,
      maxContinuationTokens: 24,
    });
    const a = data.examples(4, 9n);
    expect(data.examples(4, 9n)).toEqual(a);
    expect(data.examples(4, 10n)).not.toEqual(a);
    for (const { prompt, continuation } of a) {
      expect(prompt).toHaveLength(16);
      expect(continuation).toHaveLength(24);
    }
    const evalPrompts = data.evalPrompts(3, 0n);
    expect(evalPrompts).toHaveLength(3);
    for (const p of evalPrompts) expect(p).toHaveLength(16);
  });

  it("mixed: alternates language-modelling and arithmetic items, deterministic by seed", () => {
    const options = { maxPromptTokens: 16, maxContinuationTokens: 24 };
    const data = createTaskData("mixed", tokenizer, options);
    const a = data.examples(7, 4n);
    expect(a).toHaveLength(7);
    expect(data.examples(7, 4n)).toEqual(a);
    a.forEach(({ prompt }, i) => {
      const isArithmetic = /^Question: .*Answer:$/s.test(tokenizer.decode(prompt));
      expect(isArithmetic).toBe(i % 2 === 1);
    });
    expect(data.prompts(7, 4n)).toEqual(a.map((e) => e.prompt));
    const lm = createTaskData("language-modelling", tokenizer, options).evalPrompts(2, 0n);
    expect(data.evalPrompts(4, 0n).filter((_, i) => i % 2 === 0)).toEqual(lm);
  });
});
