import { describe, expect, it } from "vitest";
import { loadSotuCorpus, loadSotuDocuments, splitDocuments } from "../src/index.js";

describe("loadSotuCorpus", () => {
  const corpus = loadSotuCorpus();

  it("splits the 233 speeches ~80/10/10 by document", () => {
    expect(corpus.train).toHaveLength(186);
    expect(corpus.validation).toHaveLength(24);
    expect(corpus.test).toHaveLength(23);
    const chars = corpus.train.reduce((n, d) => n + d.length, 0);
    expect(chars).toBeGreaterThan(7_000_000);
  });

  it("keeps the splits disjoint", () => {
    const train = new Set(corpus.train);
    for (const doc of [...corpus.validation, ...corpus.test]) expect(train.has(doc)).toBe(false);
    const validation = new Set(corpus.validation);
    for (const doc of corpus.test) expect(validation.has(doc)).toBe(false);
  });

  it("is deterministic", () => {
    expect(loadSotuCorpus()).toEqual(corpus);
  });

  it("normalises every document", () => {
    for (const doc of [...corpus.train, ...corpus.validation, ...corpus.test]) {
      expect(doc).toBe(doc.trim());
      expect(doc).not.toMatch(/\r/);
      expect(doc).not.toMatch(/[^\P{Cc}\n\t]/u);
      expect(doc.length).toBeGreaterThan(1000);
    }
  });

  it("orders documents chronologically by file name", () => {
    const docs = loadSotuDocuments();
    expect(docs[0].id).toBe("1790_george_washington_n");
    expect(docs[0].year).toBe(1790);
    expect(docs.map((d) => d.id)).toEqual(docs.map((d) => d.id).sort());
    expect(corpus.validation[0]).toBe(docs[0].text);
    expect(corpus.test[0]).toBe(docs[5].text);
  });
});

describe("splitDocuments", () => {
  it("sends index % 10 == 0 to validation and == 5 to test", () => {
    const docs = Array.from({ length: 20 }, (_, i) => `d${i}`);
    expect(splitDocuments(docs)).toEqual({
      train: docs.filter((_, i) => i % 5 !== 0),
      validation: ["d0", "d10"],
      test: ["d5", "d15"],
    });
  });
});
