import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type CorpusSplits, splitDocuments } from "./corpus-splits.js";
import { normalizeDocument } from "./normalize-document.js";

/** ~30 KB of SOTU excerpts (public domain), one per paragraph; see scripts/write-fixture.ts. */
export const FIXTURE_CORPUS_PATH = fileURLToPath(new URL("../fixtures/tiny-corpus.txt", import.meta.url));

/** The committed fixture as documents (split on blank lines), with the same split rule as loadSotuCorpus. */
export function loadFixtureCorpus(): CorpusSplits {
  const documents = readFileSync(FIXTURE_CORPUS_PATH, "utf8")
    .split(/\n\s*\n/)
    .map(normalizeDocument)
    .filter((doc) => doc.length > 0);
  return splitDocuments(documents);
}
