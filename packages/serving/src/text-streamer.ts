import type { Tokenizer } from "@distillspec/tokenizer";

// Turns generated token ids into text deltas. A token can end in the middle of a UTF-8 character, so
// trailing replacement characters are held back until the next token completes them.

export class TextStreamer {
  private readonly ids: number[] = [];
  private sent = 0;
  private text = "";

  constructor(private readonly tokenizer: Tokenizer) {}

  /** Appends tokens and returns the new text that is safe to show. */
  push(tokens: readonly number[]): string {
    this.ids.push(...tokens);
    this.text = this.tokenizer.decode(this.ids);
    let end = this.text.length;
    while (end > this.sent && this.text.charCodeAt(end - 1) === 0xfffd) end--;
    const delta = this.text.slice(this.sent, end);
    this.sent = end;
    return delta;
  }

  /** Whatever was held back, at the end of generation. */
  flush(): string {
    const delta = this.text.slice(this.sent);
    this.sent = this.text.length;
    return delta;
  }

  /** All text generated so far (including any held-back tail). */
  get fullText(): string {
    return this.text;
  }

  get shownLength(): number {
    return this.sent;
  }
}
