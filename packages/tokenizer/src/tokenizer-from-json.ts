import { PRETOKEN_PATTERN } from "./pretokenize.js";
import { Tokenizer } from "./tokenizer.js";
import { TOKENIZER_FORMAT, TOKENIZER_FORMAT_VERSION } from "./tokenizer-format.js";

/**
 * Validates a parsed tokenizer file and builds the Tokenizer. Every failure throws an
 * Error starting with "invalid tokenizer:" that names the offending field.
 */
export function tokenizerFromJSON(value: unknown): Tokenizer {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("invalid tokenizer: expected a JSON object");
  }
  const obj = value as Record<string, unknown>;
  if (obj.format !== TOKENIZER_FORMAT) {
    throw new Error(
      `invalid tokenizer: format is ${JSON.stringify(obj.format)}, expected "${TOKENIZER_FORMAT}"`,
    );
  }
  if (obj.version !== TOKENIZER_FORMAT_VERSION) {
    throw new Error(
      `invalid tokenizer: unsupported version ${JSON.stringify(obj.version)} (supported: ${TOKENIZER_FORMAT_VERSION})`,
    );
  }
  if (obj.pretokenizer !== PRETOKEN_PATTERN) {
    throw new Error("invalid tokenizer: pretokenizer pattern differs from the one this library implements");
  }
  if (!Array.isArray(obj.specialTokens) || !obj.specialTokens.every((s) => typeof s === "string")) {
    throw new Error("invalid tokenizer: specialTokens must be an array of strings");
  }
  if (!Array.isArray(obj.merges)) throw new Error("invalid tokenizer: merges must be an array");
  const merges = obj.merges.map((merge, rank): [number, number] => {
    if (!Array.isArray(merge) || merge.length !== 2 || !merge.every((id) => Number.isInteger(id))) {
      throw new Error(`invalid tokenizer: merge ${rank} must be a pair of integer token ids`);
    }
    return [merge[0], merge[1]];
  });
  const expectedSize = 256 + merges.length + obj.specialTokens.length;
  if (obj.vocabSize !== expectedSize) {
    throw new Error(
      `invalid tokenizer: vocabSize is ${JSON.stringify(obj.vocabSize)} but 256 bytes + ${merges.length} merges + ` +
        `${obj.specialTokens.length} special tokens = ${expectedSize} (truncated file?)`,
    );
  }

  const tokenizer = new Tokenizer({ merges, specialTokens: obj.specialTokens });
  if (obj.identity !== undefined && obj.identity !== tokenizer.identity) {
    throw new Error(
      `invalid tokenizer: identity ${JSON.stringify(obj.identity)} does not match the content (${tokenizer.identity})`,
    );
  }
  return tokenizer;
}
