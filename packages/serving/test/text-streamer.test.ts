import { loadFixtureCorpus } from "@distillspec/datasets";
import { trainTokenizer } from "@distillspec/tokenizer";
import { describe, expect, it } from "vitest";
import { TextStreamer } from "../src/index.js";

describe("TextStreamer", () => {
  it("streams token by token to exactly the decoded text, never showing half a character", () => {
    const tokenizer = trainTokenizer(loadFixtureCorpus().train, { vocabSize: 300 });
    const text = "Fellow-citizens — naïve café, 日本語 and emoji 🎉 at the end";
    const ids = tokenizer.encode(text);
    const streamer = new TextStreamer(tokenizer);
    let shown = "";
    for (const id of ids) {
      const delta = streamer.push([id]);
      expect(delta).not.toContain("\ufffd");
      shown += delta;
    }
    shown += streamer.flush();
    expect(shown).toBe(text);
    expect(streamer.fullText).toBe(text);
  });
});
