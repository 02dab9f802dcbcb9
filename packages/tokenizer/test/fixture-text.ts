import { readFileSync } from "node:fs";

// Read the datasets fixture by path: workspace packages are not linked into node_modules,
// and the tokenizer should not depend on @distillspec/datasets just for its tests.
const FIXTURE = new URL("../../datasets/fixtures/tiny-corpus.txt", import.meta.url);

/** The fixture's documents; the last four are held out from tokenizer training. */
export function fixtureDocuments(): { train: string[]; heldOut: string[] } {
  const docs = readFileSync(FIXTURE, "utf8")
    .split(/\n\s*\n/)
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
  return { train: docs.slice(0, -4), heldOut: docs.slice(-4) };
}
