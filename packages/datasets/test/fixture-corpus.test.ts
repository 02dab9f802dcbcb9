import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FIXTURE_CORPUS_PATH, loadFixtureCorpus, loadSotuCorpus } from "../src/index.js";

describe("loadFixtureCorpus", () => {
  const corpus = loadFixtureCorpus();

  it("loads the small committed corpus with the standard split", () => {
    const size = statSync(FIXTURE_CORPUS_PATH).size;
    expect(size).toBeGreaterThan(20_000);
    expect(size).toBeLessThan(40_000);
    expect(corpus.train).toHaveLength(12);
    expect(corpus.validation).toHaveLength(2);
    expect(corpus.test).toHaveLength(2);
    expect(corpus.validation[0]).toMatch(/^Fellow-Citizens of the Senate/);
  });

  it("only excerpts SOTU train speeches", () => {
    const sotuTrain = loadSotuCorpus().train.map((doc) => doc.replace(/\s*\n\s*/g, " "));
    for (const excerpt of [...corpus.train, ...corpus.validation, ...corpus.test]) {
      expect(sotuTrain.some((doc) => doc.startsWith(excerpt))).toBe(true);
    }
  });
});
