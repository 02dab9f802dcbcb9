import { mergeWord } from "./merge-word.js";
import { MAX_VOCAB_SIZE, pairKey } from "./pair-key.js";
import { createPretokenRegex, PRETOKEN_PATTERN } from "./pretokenize.js";
import {
  BOS_TOKEN,
  computeIdentity,
  EOS_TOKEN,
  PAD_TOKEN,
  TOKENIZER_FORMAT,
  TOKENIZER_FORMAT_VERSION,
  type TokenizerJSON,
  type TokenizerModel,
} from "./tokenizer-format.js";
import { utf8Decode, utf8Encode } from "./utf8.js";
import { writeFileAtomic } from "./write-file-atomic.js";

const BYTE_TOKENS = 256;
// Bounded so adversarial input (endless distinct pre-tokens) cannot grow memory without limit.
const CACHE_MAX_ENTRIES = 100_000;
const CACHE_MAX_PIECE_LENGTH = 64;

export interface TokenizerDefinition {
  /** merges[r] = [left, right] produces token 256 + r; both ids must already exist. */
  merges: ReadonlyArray<readonly [number, number]>;
  /** Must contain BOS_TOKEN, EOS_TOKEN and PAD_TOKEN; they take the last ids, in this order. */
  specialTokens: readonly string[];
}

export interface EncodeOptions {
  /** Prepend the BOS id. */
  bos?: boolean;
  /** Append the EOS id. */
  eos?: boolean;
  /** Map special token strings in the text to their ids; otherwise they are encoded as plain bytes. */
  allowSpecial?: boolean;
}

/** Byte-level BPE tokenizer. Immutable apart from its encode cache. */
export class Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Hex sha256 of the canonical serialization: equal identities mean identical encodings. */
  readonly identity: string;

  private readonly model: TokenizerModel;
  private readonly ranks = new Map<number, number>();
  private readonly vocab: Uint8Array[] = [];
  private readonly specialIds = new Map<string, number>();
  private readonly specialRegex: RegExp | null;
  private readonly pretokenRegex = createPretokenRegex();
  private readonly cache = new Map<string, readonly number[]>();

  constructor(definition: TokenizerDefinition) {
    const merges = definition.merges.map(([left, right], rank): [number, number] => {
      const defined = BYTE_TOKENS + rank;
      for (const id of [left, right]) {
        if (!Number.isInteger(id) || id < 0 || id >= defined) {
          throw new Error(
            `invalid tokenizer: merge ${rank} refers to token ${id}, but only ids 0..${defined - 1} exist before it`,
          );
        }
      }
      const key = pairKey(left, right);
      const earlier = this.ranks.get(key);
      if (earlier !== undefined) {
        throw new Error(`invalid tokenizer: merge ${rank} duplicates merge ${earlier} ([${left}, ${right}])`);
      }
      this.ranks.set(key, rank);
      return [left, right];
    });

    const specialTokens = [...definition.specialTokens];
    for (const token of specialTokens) {
      if (typeof token !== "string" || token.length === 0) {
        throw new Error("invalid tokenizer: special tokens must be non-empty strings");
      }
      if (this.specialIds.has(token)) throw new Error(`invalid tokenizer: duplicate special token ${token}`);
      this.specialIds.set(token, BYTE_TOKENS + merges.length + this.specialIds.size);
    }

    this.vocabSize = BYTE_TOKENS + merges.length + specialTokens.length;
    if (this.vocabSize > MAX_VOCAB_SIZE) {
      throw new Error(
        `invalid tokenizer: vocab size ${this.vocabSize} exceeds the maximum ${MAX_VOCAB_SIZE}`,
      );
    }
    this.bosId = this.requireSpecial(BOS_TOKEN);
    this.eosId = this.requireSpecial(EOS_TOKEN);
    this.padId = this.requireSpecial(PAD_TOKEN);

    for (let b = 0; b < BYTE_TOKENS; b++) this.vocab.push(Uint8Array.of(b));
    for (const [left, right] of merges) {
      const a = this.vocab[left];
      const b = this.vocab[right];
      const bytes = new Uint8Array(a.length + b.length);
      bytes.set(a);
      bytes.set(b, a.length);
      this.vocab.push(bytes);
    }
    for (const token of specialTokens) this.vocab.push(utf8Encode(token));

    // Longest first so a special that prefixes another cannot shadow it.
    const alternatives = [...specialTokens]
      .sort((x, y) => y.length - x.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.specialRegex = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "g") : null;

    this.model = {
      format: TOKENIZER_FORMAT,
      version: TOKENIZER_FORMAT_VERSION,
      pretokenizer: PRETOKEN_PATTERN,
      vocabSize: this.vocabSize,
      specialTokens,
      merges,
    };
    this.identity = computeIdentity(this.model);
  }

  /** Number of learned merges (vocabSize minus bytes and specials). */
  get mergeCount(): number {
    return this.model.merges.length;
  }

  /** The special token strings, in id order. */
  get specialTokens(): readonly string[] {
    return this.model.specialTokens;
  }

  /** Id of a special token string, or undefined if it is not one. */
  specialTokenId(token: string): number | undefined {
    return this.specialIds.get(token);
  }

  isSpecial(id: number): boolean {
    return id >= BYTE_TOKENS + this.model.merges.length && id < this.vocabSize;
  }

  /** Encodes any string (lone surrogates become U+FFFD, as in UTF-8 itself); never throws. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.bos) out.push(this.bosId);
    if (options.allowSpecial && this.specialRegex) {
      const re = this.specialRegex;
      re.lastIndex = 0;
      let start = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m.index > start) this.encodeOrdinary(text.slice(start, m.index), out);
        out.push(this.specialIds.get(m[0])!);
        start = m.index + m[0].length;
      }
      if (start < text.length) this.encodeOrdinary(text.slice(start), out);
    } else {
      this.encodeOrdinary(text, out);
    }
    if (options.eos) out.push(this.eosId);
    return out;
  }

  /** UTF-8 decoding of the concatenated token bytes; incomplete sequences become U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    return utf8Decode(this.decodeBytes(ids));
  }

  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    let length = 0;
    for (let i = 0; i < ids.length; i++) length += this.bytesOf(ids[i]).length;
    const out = new Uint8Array(length);
    let offset = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.vocab[ids[i]];
      out.set(bytes, offset);
      offset += bytes.length;
    }
    return out;
  }

  /** The bytes a token stands for (a copy); special tokens give their UTF-8 string. */
  tokenBytes(id: number): Uint8Array {
    return this.bytesOf(id).slice();
  }

  toJSON(): TokenizerJSON {
    return {
      ...this.model,
      specialTokens: [...this.model.specialTokens],
      merges: this.model.merges.map(([a, b]): [number, number] => [a, b]),
      identity: this.identity,
    };
  }

  /** Writes the JSON atomically (temp file + rename). */
  async save(path: string): Promise<void> {
    await writeFileAtomic(path, JSON.stringify(this.toJSON()) + "\n");
  }

  private bytesOf(id: number): Uint8Array {
    const bytes = Number.isInteger(id) ? this.vocab[id] : undefined;
    if (bytes === undefined) {
      throw new RangeError(`token id ${id} is out of range for vocab size ${this.vocabSize}`);
    }
    return bytes;
  }

  private requireSpecial(token: string): number {
    const id = this.specialIds.get(token);
    if (id === undefined) throw new Error(`invalid tokenizer: special tokens must include ${token}`);
    return id;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    const re = this.pretokenRegex;
    const cache = this.cache;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const piece = m[0];
      let ids = cache.get(piece);
      if (ids === undefined) {
        ids = mergeWord(utf8Encode(piece), this.ranks);
        if (piece.length <= CACHE_MAX_PIECE_LENGTH) {
          if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
          cache.set(piece, ids);
        }
      }
      for (let i = 0; i < ids.length; i++) out.push(ids[i]);
    }
  }
}
