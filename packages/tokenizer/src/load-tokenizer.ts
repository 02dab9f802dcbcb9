import { readFile } from "node:fs/promises";
import type { Tokenizer } from "./tokenizer.js";
import { tokenizerFromJSON } from "./tokenizer-from-json.js";

/** Reads a file written by Tokenizer.save; errors name the path and the problem. */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  const text = await readFile(path, "utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `cannot load tokenizer ${path}: not valid JSON (truncated or corrupt file?): ${String(err)}`,
    );
  }
  try {
    return tokenizerFromJSON(parsed);
  } catch (err) {
    throw new Error(`cannot load tokenizer ${path}: ${(err as Error).message}`);
  }
}
