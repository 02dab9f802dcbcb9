/**
 * GPT-2-style pre-tokenizer. Merges never cross pre-token boundaries, so this regex
 * decides which byte sequences can ever become a single token.
 *
 * Alternatives, in priority order:
 * - English contractions ('s, 't, 're, 've, 'm, 'll, 'd), also with a curly apostrophe;
 * - a letter run (combining marks included) with an optional leading space;
 * - a single digit: every digit is its own pre-token so numbers tokenize uniformly
 *   and arithmetic generalises across magnitudes;
 * - a punctuation/symbol run with an optional leading space;
 * - whitespace before a digit (kept whole, since digits never take a leading space);
 * - whitespace, leaving its last character to lead the next word (GPT-2 `\s+(?!\S)`).
 *
 * Every code unit matches some alternative, so concatenating the pre-tokens gives back the input.
 */
export const PRETOKEN_PATTERN =
  "['’](?:[sdmtSDMT]|ll|ve|re|LL|VE|RE)| ?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+|\\s+(?=\\p{N})|\\s+(?!\\S)|\\s+";

/** A fresh global regex: callers own its `lastIndex`, so instances must not be shared across iterations. */
export function createPretokenRegex(): RegExp {
  return new RegExp(PRETOKEN_PATTERN, "gu");
}

/** Splits text into pre-tokens; `pretokenize(s).join("") === s` for every string. */
export function pretokenize(text: string): string[] {
  const re = createPretokenRegex();
  const out: string[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[0]);
  return out;
}
