import type { Tokenizer } from "@distillspec/tokenizer";

// Turns generated token ids into text deltas. A token can end in the middle of a UTF-8 character: a
// streaming TextDecoder holds those bytes back until the next token completes them, so each push decodes
// only its own tokens (not the whole generation again).

export class TextStreamer {
  private readonly decoder = new TextDecoder();
  private text = "";

  constructor(private readonly tokenizer: Tokenizer) {}

  /** Appends tokens and returns the new text that is safe to show. */
  push(tokens: readonly number[]): string {
    const delta = this.decoder.decode(this.tokenizer.decodeBytes(tokens), { stream: true });
    this.text += delta;
    return delta;
  }

  /** Whatever was held back (an incomplete character becomes U+FFFD), at the end of generation. */
  flush(): string {
    const delta = this.decoder.decode();
    this.text += delta;
    return delta;
  }

  /** All text shown so far. */
  get fullText(): string {
    return this.text;
  }

  get shownLength(): number {
    return this.text.length;
  }
}
