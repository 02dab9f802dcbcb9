import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { pretokenize, type Tokenizer, trainTokenizer } from "../src/index.js";
import { fixtureDocuments } from "./fixture-text.js";

let tokenizer: Tokenizer;

beforeAll(() => {
  tokenizer = trainTokenizer(fixtureDocuments().train, { vocabSize: 1024 });
});

/** Textbook BPE (repeatedly merge the lowest-rank pair everywhere) to check the heap-based encoder. */
function referenceEncode(tok: Tokenizer, text: string): number[] {
  const ranks = new Map(tok.toJSON().merges.map(([a, b], r) => [`${a},${b}`, r]));
  const out: number[] = [];
  for (const piece of pretokenize(text)) {
    let symbols = Array.from(new TextEncoder().encode(piece));
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = ranks.get(`${symbols[i]},${symbols[i + 1]}`);
        if (r !== undefined && (best < 0 || r < best)) best = r;
      }
      if (best < 0) break;
      const [a, b] = tok.toJSON().merges[best];
      const merged: number[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
          merged.push(256 + best);
          i++;
        } else merged.push(symbols[i]);
      }
      symbols = merged;
    }
    out.push(...symbols);
  }
  return out;
}

describe("Tokenizer encode/decode", () => {
  it("round-trips any well-formed string exactly", () => {
    for (const unit of ["grapheme", "binary"] as const) {
      fc.assert(
        fc.property(fc.string({ unit, maxLength: 60 }), (s) => tokenizer.decode(tokenizer.encode(s)) === s),
        { numRuns: 500 },
      );
    }
    for (const s of [
      "",
      "\uFEFFleading BOM",
      "emoji 👩‍👩‍👧 and é / e\u0301",
      "tabs\tand\r\nnewlines\n\n",
      "  x  ",
    ]) {
      expect(tokenizer.decode(tokenizer.encode(s))).toBe(s);
    }
  });

  it("round-trips the fixture text", () => {
    for (const doc of fixtureDocuments().heldOut) expect(tokenizer.decode(tokenizer.encode(doc))).toBe(doc);
  });

  it("matches a textbook BPE implementation", () => {
    const text = fixtureDocuments().heldOut.join("\n\n");
    expect(tokenizer.encode(text)).toEqual(referenceEncode(tokenizer, text));
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 80 }), (s) => {
        expect(tokenizer.encode(s)).toEqual(referenceEncode(tokenizer, s));
      }),
      { numRuns: 300 },
    );
  });

  it("encodes lone surrogates as U+FFFD instead of throwing", () => {
    expect(tokenizer.decode(tokenizer.encode("a\uD800b"))).toBe("a\uFFFDb");
  });

  it("decodes an incomplete UTF-8 sequence with U+FFFD", () => {
    const ids = tokenizer.encode("é");
    expect(tokenizer.decodeBytes(ids)).toEqual(Uint8Array.of(0xc3, 0xa9));
    expect(tokenizer.decode([0xc3])).toBe("\uFFFD");
    expect(tokenizer.decode([0x68, 0x69, 0xc3])).toBe("hi\uFFFD");
  });

  it("rejects out-of-range ids with a RangeError naming the id and vocab size", () => {
    for (const id of [tokenizer.vocabSize, -1, 1.5, Number.NaN]) {
      expect(() => tokenizer.decode([104, id])).toThrow(RangeError);
    }
    expect(() => tokenizer.decode([tokenizer.vocabSize + 7])).toThrow(
      `token id ${tokenizer.vocabSize + 7} is out of range for vocab size ${tokenizer.vocabSize}`,
    );
    expect(() => tokenizer.tokenBytes(-1)).toThrow(RangeError);
  });

  it("compresses held-out English text (> 2.5 bytes per token)", () => {
    let bytes = 0;
    let tokens = 0;
    for (const doc of fixtureDocuments().heldOut) {
      bytes += Buffer.byteLength(doc);
      tokens += tokenizer.encode(doc).length;
    }
    expect(bytes / tokens).toBeGreaterThan(2.5);
  });

  it("gives every digit its own token", () => {
    const ids = tokenizer.encode("1234567890");
    expect(ids).toHaveLength(10);
    expect(tokenizer.decode(ids)).toBe("1234567890");
  });

  it("stays fast on a huge single pre-token", () => {
    const tok = trainTokenizer(["a".repeat(5000)], { vocabSize: 300, minFrequency: 1 });
    const text = "a".repeat(500_000);
    const started = performance.now();
    const ids = tok.encode(text);
    expect(performance.now() - started).toBeLessThan(10_000); // quadratic merging would take minutes
    expect(ids.length).toBeLessThan(text.length / 100);
    expect(tok.decode(ids)).toBe(text);
  });
});

describe("special tokens", () => {
  it("take the last ids", () => {
    expect(tokenizer.vocabSize).toBe(1024);
    expect([tokenizer.bosId, tokenizer.eosId, tokenizer.padId]).toEqual([1021, 1022, 1023]);
    expect(tokenizer.isSpecial(1021)).toBe(true);
    expect(tokenizer.isSpecial(1020)).toBe(false);
    expect(new TextDecoder().decode(tokenizer.tokenBytes(tokenizer.eosId))).toBe("<|eos|>");
  });

  it("are plain text unless allowSpecial is set", () => {
    const text = "a<|bos|>b<|eos|>";
    const plain = tokenizer.encode(text);
    expect(plain).not.toContain(tokenizer.bosId);
    expect(tokenizer.decode(plain)).toBe(text);

    const special = tokenizer.encode(text, { allowSpecial: true });
    expect(special).toEqual([
      ...tokenizer.encode("a"),
      tokenizer.bosId,
      ...tokenizer.encode("b"),
      tokenizer.eosId,
    ]);
    expect(tokenizer.decode(special)).toBe(text);
  });

  it("can be added around the text", () => {
    const ids = tokenizer.encode("hello", { bos: true, eos: true });
    expect(ids[0]).toBe(tokenizer.bosId);
    expect(ids[ids.length - 1]).toBe(tokenizer.eosId);
    expect(ids.slice(1, -1)).toEqual(tokenizer.encode("hello"));
  });
});
