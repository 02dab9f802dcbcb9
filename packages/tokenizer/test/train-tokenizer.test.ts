import { describe, expect, it } from "vitest";
import { trainTokenizer } from "../src/index.js";
import { fixtureDocuments } from "./fixture-text.js";

describe("trainTokenizer", () => {
  it("is deterministic and accepts any iterable", () => {
    const docs = fixtureDocuments().train;
    const a = trainTokenizer(docs, { vocabSize: 600 });
    const b = trainTokenizer(
      (function* () {
        yield* docs;
      })(),
      { vocabSize: 600 },
    );
    expect(b.identity).toBe(a.identity);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(a.identity).toMatch(/^[0-9a-f]{64}$/);
  });

  it("learns the most frequent pair first and breaks ties by the smallest ids", () => {
    const tok = trainTokenizer(["the the the", "ab cd"], { vocabSize: 256 + 3 + 3, minFrequency: 1 });
    // "th" and "he" both occur 3 times: the tie goes to the smaller ids ("h"=104 < "t"=116).
    // Then "t"+"he" (3 times), then " "+"the" (2 times).
    expect(tok.toJSON().merges).toEqual([
      [104, 101],
      [116, 256],
      [32, 257],
    ]);
    expect(new TextDecoder().decode(tok.tokenBytes(257))).toBe("the");
    expect(tok.vocabSize).toBe(262);

    const ties = trainTokenizer(["ab cd"], { vocabSize: 256 + 3 + 1, minFrequency: 1 });
    expect(ties.toJSON().merges).toEqual([[32, 99]]);
  });

  it("never merges across pre-token boundaries", () => {
    const tok = trainTokenizer(["12 12 12 12 a.b a.b a.b"], { vocabSize: 300, minFrequency: 1 });
    for (let id = 256; id < 256 + tok.mergeCount; id++) {
      const text = new TextDecoder().decode(tok.tokenBytes(id));
      expect(text).not.toMatch(/\d/);
      expect(text).not.toMatch(/[a-z]\./);
    }
  });

  it("stops early on a small corpus instead of learning one-off pairs", () => {
    const tok = trainTokenizer(["tiny corpus"], { vocabSize: 2048 });
    expect(tok.mergeCount).toBe(0);
    expect(tok.vocabSize).toBe(259);
  });

  it("validates its options", () => {
    expect(() => trainTokenizer([], { vocabSize: 258 })).toThrow(RangeError);
    expect(() => trainTokenizer([], { vocabSize: 1.5e3 + 0.5 })).toThrow(RangeError);
    expect(() => trainTokenizer([], { specialTokens: ["<|bos|>", "<|eos|>"] })).toThrow(/<\|pad\|>/);
    expect(() => trainTokenizer([], { specialTokens: ["<|bos|>", "<|eos|>", "<|pad|>", "<|bos|>"] })).toThrow(
      /duplicate special token/,
    );
  });

  it("supports extra special tokens after the required ones", () => {
    const tok = trainTokenizer(["hello hello"], {
      vocabSize: 270,
      specialTokens: ["<|bos|>", "<|eos|>", "<|pad|>", "<|sep|>"],
      minFrequency: 1,
    });
    expect(tok.specialTokenId("<|sep|>")).toBe(tok.vocabSize - 1);
    expect(tok.encode("x<|sep|>", { allowSpecial: true }).at(-1)).toBe(tok.vocabSize - 1);
  });
});
