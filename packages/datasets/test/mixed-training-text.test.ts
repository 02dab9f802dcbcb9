import { describe, expect, it } from "vitest";
import { loadFixtureCorpus, loadSotuCorpus, mixedTrainingText } from "../src/index.js";

describe("mixedTrainingText", () => {
  const prose = loadFixtureCorpus().train;

  it("mixes every prose document with the requested share of arithmetic", () => {
    const docs = mixedTrainingText({ seed: 1, arithmeticFraction: 0.25, documents: prose });
    const problems = docs.filter((d) => d.startsWith("Question: "));
    expect(docs.filter((d) => !d.startsWith("Question: ")).sort()).toEqual([...prose].sort());
    for (const p of problems) expect(p).toMatch(/\nAnswer: [\s\S]*\n#### \d+\n$/);
    const total = docs.reduce((n, d) => n + d.length, 0);
    const arithmetic = problems.reduce((n, d) => n + d.length, 0);
    expect(arithmetic / total).toBeGreaterThan(0.24);
    expect(arithmetic / total).toBeLessThan(0.27);
  });

  it("is deterministic per seed", () => {
    const a = mixedTrainingText({ seed: 3, documents: prose });
    expect(mixedTrainingText({ seed: 3, documents: prose })).toEqual(a);
    expect(mixedTrainingText({ seed: 4, documents: prose })).not.toEqual(a);
    expect(mixedTrainingText({ arithmeticFraction: 0, documents: prose }).sort()).toEqual([...prose].sort());
    expect(() => mixedTrainingText({ arithmeticFraction: 1, documents: prose })).toThrow(RangeError);
  });

  it("defaults to the SOTU train split", () => {
    const docs = mixedTrainingText({ arithmeticFraction: 0.05 });
    const sotuTrain = new Set(loadSotuCorpus().train);
    expect(docs.filter((d) => sotuTrain.has(d))).toHaveLength(sotuTrain.size);
  });
});
