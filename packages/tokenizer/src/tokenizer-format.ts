import { createHash } from "node:crypto";

export const TOKENIZER_FORMAT = "distillspec.byte-bpe";
export const TOKENIZER_FORMAT_VERSION = 1;

export const BOS_TOKEN = "<|bos|>";
export const EOS_TOKEN = "<|eos|>";
export const PAD_TOKEN = "<|pad|>";
export const DEFAULT_SPECIAL_TOKENS: readonly string[] = [BOS_TOKEN, EOS_TOKEN, PAD_TOKEN];

/** On-disk shape. Token ids: 0-255 bytes, then one id per merge, then the special tokens. */
export interface TokenizerJSON {
  format: typeof TOKENIZER_FORMAT;
  version: typeof TOKENIZER_FORMAT_VERSION;
  /** The pre-tokenizer regex source; part of the identity because it changes encodings. */
  pretokenizer: string;
  vocabSize: number;
  specialTokens: string[];
  /** merges[r] = [left, right] produces token 256 + r. */
  merges: [number, number][];
  /** sha256 of the canonical serialization (every field above, in this order). */
  identity: string;
}

export type TokenizerModel = Omit<TokenizerJSON, "identity">;

/** Key order is fixed here, so the string (and therefore the identity) is canonical. */
export function canonicalSerialization(model: TokenizerModel): string {
  return JSON.stringify({
    format: model.format,
    version: model.version,
    pretokenizer: model.pretokenizer,
    vocabSize: model.vocabSize,
    specialTokens: model.specialTokens,
    merges: model.merges,
  });
}

export function computeIdentity(model: TokenizerModel): string {
  return createHash("sha256").update(canonicalSerialization(model)).digest("hex");
}
