import { createRng, deriveSeed, generateArithmeticProblems, loadSotuCorpus } from "@distillspec/datasets";

// Held-out prompts for serving benchmarks: passages from the SOTU test split (speeches no model trained
// on) cut to about `promptTokens` tokens, alternating with arithmetic test-split questions. A pure
// function of (count, seed, tokenizer), so every run decodes the same prompts.

export interface HeldOutPrompt {
  /** e.g. "sotu-3" or "arithmetic-1". */
  id: string;
  source: "sotu" | "arithmetic";
  text: string;
}

/** The part of a tokenizer the cut needs. */
export interface PromptTokenizer {
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
}

export interface HeldOutPromptOptions {
  seed?: number;
  /** Length of the SOTU passages in tokens (default 32). */
  promptTokens?: number;
  /** Cuts passages by tokens; without one, by ~4 characters per token at a word boundary. */
  tokenizer?: PromptTokenizer;
  /** Test-split documents to draw from (default: the SOTU test split, loaded here). */
  documents?: readonly string[];
}

const CHARS_PER_TOKEN = 4;

/** Offsets just after ". " / "? " / "! " followed by a capital letter: passages start at a sentence. */
function sentenceStarts(text: string): number[] {
  const starts = [0];
  for (const match of text.matchAll(/[.?!]\s+(?=[A-Z])/g)) starts.push(match.index + match[0].length);
  return starts;
}

function cutPassage(text: string, tokens: number, tokenizer: PromptTokenizer | undefined): string {
  // A generous character window, so the encode below is cheap but never runs short.
  const window = text.slice(0, tokens * CHARS_PER_TOKEN * 4);
  if (tokenizer) return tokenizer.decode(tokenizer.encode(window).slice(0, tokens)).trim();
  const rough = window.slice(0, tokens * CHARS_PER_TOKEN);
  const space = rough.lastIndexOf(" ");
  return (space > 0 ? rough.slice(0, space) : rough).trim();
}

export function sotuPassages(count: number, options: HeldOutPromptOptions = {}): HeldOutPrompt[] {
  const documents = options.documents ?? loadSotuCorpus().test;
  if (documents.length === 0) throw new RangeError("no documents to draw SOTU passages from");
  const rng = createRng(deriveSeed(options.seed ?? 0, "held-out/sotu"));
  const tokens = options.promptTokens ?? 32;
  return Array.from({ length: count }, (_, i) => {
    // Spread passages over different speeches (and eras) before reusing one.
    const doc = documents[Math.floor((i * documents.length) / count) % documents.length];
    const starts = sentenceStarts(doc);
    // Keep clear of the end so the window is full.
    const usable = starts.filter((s) => s < doc.length - tokens * CHARS_PER_TOKEN * 2);
    const start = usable.length > 0 ? rng.pick(usable) : 0;
    return {
      id: `sotu-${i}`,
      source: "sotu" as const,
      text: cutPassage(doc.slice(start), tokens, options.tokenizer),
    };
  });
}

export function arithmeticPrompts(count: number, options: HeldOutPromptOptions = {}): HeldOutPrompt[] {
  return generateArithmeticProblems(count, { seed: options.seed ?? 0, split: "test" }).map((p, i) => ({
    id: `arithmetic-${i}`,
    source: "arithmetic" as const,
    text: p.prompt,
  }));
}

/** `count` prompts alternating SOTU, arithmetic, SOTU, ... (so any prefix is balanced). */
export function heldOutPrompts(count: number, options: HeldOutPromptOptions = {}): HeldOutPrompt[] {
  const sotu = sotuPassages(Math.ceil(count / 2), options);
  const arithmetic = arithmeticPrompts(Math.floor(count / 2), options);
  return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? sotu[i / 2] : arithmetic[(i - 1) / 2]));
}
