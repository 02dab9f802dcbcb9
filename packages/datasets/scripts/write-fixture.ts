// Regenerates fixtures/tiny-corpus.txt: run `npx tsx packages/datasets/scripts/write-fixture.ts`.
import { writeFileSync } from "node:fs";
import { FIXTURE_CORPUS_PATH } from "../src/fixture-corpus.js";
import { loadSotuCorpus } from "../src/sotu-corpus.js";

const EXCERPTS = 16;
const EXCERPT_CHARS = 1900;

// Only SOTU train-split speeches, so the fixture never leaks SOTU validation/test text.
const documents = loadSotuCorpus().train;
const stride = Math.floor(documents.length / EXCERPTS);
const excerpts: string[] = [];
for (let i = 0; i < EXCERPTS; i++) {
  const text = documents[i * stride];
  // Cut at the first sentence end past the budget so every excerpt reads as whole sentences.
  const end = text.indexOf(". ", EXCERPT_CHARS);
  excerpts.push((end < 0 ? text : text.slice(0, end + 1)).replace(/\s*\n\s*/g, " "));
}
writeFileSync(FIXTURE_CORPUS_PATH, excerpts.join("\n\n") + "\n");
console.log(`wrote ${excerpts.length} excerpts to ${FIXTURE_CORPUS_PATH}`);
