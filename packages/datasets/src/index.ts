export { checkAnswer, extractAnswer } from "./answer-check.js";
export {
  type ArithmeticOp,
  type ArithmeticProblem,
  type ArithmeticStep,
  applyOp,
} from "./arithmetic-problem.js";
export {
  type ArithmeticSplit,
  type ArithmeticTask,
  type ArithmeticTaskOptions,
  arithmeticSplitOf,
  createArithmeticTask,
  generateArithmeticProblems,
} from "./arithmetic-task.js";
export { type CorpusSplits, splitDocuments } from "./corpus-splits.js";
export { FIXTURE_CORPUS_PATH, loadFixtureCorpus } from "./fixture-corpus.js";
export { type MixedTrainingTextOptions, mixedTrainingText } from "./mixed-training-text.js";
export { normalizeDocument } from "./normalize-document.js";
export { createRng, deriveSeed, type Rng, shuffled } from "./prng.js";
export { loadSotuCorpus, loadSotuDocuments, type SotuDocument } from "./sotu-corpus.js";
export * from "./step-check.js";
