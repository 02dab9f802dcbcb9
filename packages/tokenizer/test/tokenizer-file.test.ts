import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTokenizer, type Tokenizer, tokenizerFromJSON, trainTokenizer } from "../src/index.js";
import { fixtureDocuments } from "./fixture-text.js";

let dir: string;
let tokenizer: Tokenizer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tokenizer-test-"));
  tokenizer = trainTokenizer(fixtureDocuments().train, { vocabSize: 800 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("save / load", () => {
  it("round-trips with identical identity and encodings, leaving no temp files", async () => {
    const path = join(dir, "nested", "tokenizer.json");
    await tokenizer.save(path);
    await tokenizer.save(path); // overwriting goes through the same rename
    expect(await readdir(join(dir, "nested"))).toEqual(["tokenizer.json"]);

    const loaded = await loadTokenizer(path);
    expect(loaded.identity).toBe(tokenizer.identity);
    expect(loaded.vocabSize).toBe(tokenizer.vocabSize);
    for (const doc of fixtureDocuments().heldOut) expect(loaded.encode(doc)).toEqual(tokenizer.encode(doc));
    expect(tokenizerFromJSON(JSON.parse(JSON.stringify(tokenizer))).identity).toBe(tokenizer.identity);
  });

  it("gives different tokenizers different identities", () => {
    const other = trainTokenizer(fixtureDocuments().train, { vocabSize: 801 });
    expect(other.identity).not.toBe(tokenizer.identity);
  });

  it("reports truncated files clearly", async () => {
    const path = join(dir, "truncated.json");
    const full = JSON.stringify(tokenizer.toJSON());
    await writeFile(path, full.slice(0, full.length / 2));
    await expect(loadTokenizer(path)).rejects.toThrow(/truncated\.json: not valid JSON/);
  });

  it("names the problem in a corrupt file", async () => {
    const good = tokenizer.toJSON();
    const cases: [unknown, RegExp][] = [
      [[], /expected a JSON object/],
      [{ ...good, format: "sentencepiece" }, /format is "sentencepiece"/],
      [{ ...good, version: 9 }, /unsupported version 9/],
      [{ ...good, pretokenizer: "\\w+" }, /pretokenizer pattern/],
      [{ ...good, merges: good.merges.slice(0, 10) }, /vocabSize is 800 .* \(truncated file\?\)/],
      [{ ...good, merges: [[1, 2], [3]] }, /merge 1 must be a pair/],
      [{ ...good, merges: [[1, 999], ...good.merges.slice(1)] }, /merge 0 refers to token 999/],
      [{ ...good, merges: [[1, 2], [1, 2], ...good.merges.slice(2)] }, /merge 1 duplicates merge 0/],
      [{ ...good, specialTokens: ["<|bos|>", "<|eos|>", 7] }, /specialTokens must be an array of strings/],
      [{ ...good, identity: "0".repeat(64) }, /identity "0{64}" does not match/],
    ];
    for (const [value, message] of cases) {
      expect(() => tokenizerFromJSON(value)).toThrow(message);
    }

    const path = join(dir, "tampered.json");
    const tampered = { ...good, merges: [[good.merges[0][1], good.merges[0][0]], ...good.merges.slice(1)] };
    await writeFile(path, JSON.stringify(tampered));
    await expect(loadTokenizer(path)).rejects.toThrow(
      /cannot load tokenizer .*tampered\.json: invalid tokenizer: /,
    );
  });

  it("writes the canonical JSON", async () => {
    const path = join(dir, "canonical.json");
    await tokenizer.save(path);
    const parsed = JSON.parse(await readFile(path, "utf8"));
    expect(Object.keys(parsed)).toEqual([
      "format",
      "version",
      "pretokenizer",
      "vocabSize",
      "specialTokens",
      "merges",
      "identity",
    ]);
  });
});
