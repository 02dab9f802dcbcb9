import { createArithmeticTask } from "./arithmetic-task.js";
import { createRng, deriveSeed, shuffled } from "./prng.js";
import { loadSotuCorpus } from "./sotu-corpus.js";

export interface MixedTrainingTextOptions {
  seed?: number;
  /** Share of the returned characters that are arithmetic problems, in [0, 1). Default 0.1. */
  arithmeticFraction?: number;
  /** Prose documents to mix in; defaults to the SOTU train split. */
  documents?: readonly string[];
}

/**
 * Pretraining documents: prose plus enough train-split arithmetic problems (each one
 * document, `prompt + target`) to make up `arithmeticFraction` of the characters,
 * shuffled deterministically by `seed`.
 */
export function mixedTrainingText(options: MixedTrainingTextOptions = {}): string[] {
  const seed = options.seed ?? 0;
  const fraction = options.arithmeticFraction ?? 0.1;
  if (!(fraction >= 0 && fraction < 1)) {
    throw new RangeError(`arithmeticFraction must be in [0, 1), got ${fraction}`);
  }
  const prose = options.documents ?? loadSotuCorpus().train;
  const proseChars = prose.reduce((sum, doc) => sum + doc.length, 0);
  const wanted = (proseChars * fraction) / (1 - fraction);

  const task = createArithmeticTask({ seed, split: "train" });
  const problems: string[] = [];
  for (let chars = 0; chars < wanted; ) {
    const p = task.next();
    const text = p.prompt + p.target;
    problems.push(text);
    chars += text.length;
  }
  return shuffled([...prose, ...problems], createRng(deriveSeed(seed, "mixed-training-text")));
}
