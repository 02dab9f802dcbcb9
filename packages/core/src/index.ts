export type { AcceptArgs, AcceptanceRule } from "./acceptance-rule.js";
export { losslessRule } from "./lossless-rule.js";
export { processLogits } from "./process-logits.js";
export type { RandomSource } from "./random-source.js";
export { residualDistribution } from "./residual-distribution.js";
export { createRng, createRngFromState, Rng, type RngState } from "./rng.js";
export { argmax, sampleToken } from "./sample-token.js";
export {
  type ResolvedSamplingParams,
  type SamplingParams,
  samplingParamsError,
  validateSamplingParams,
} from "./sampling-params.js";
export {
  expectedTau,
  predictedSpeedup,
  SpecMetrics,
  type SpecMetricsSnapshot,
  type SpecRound,
  tokenAcceptance,
  totalVariation,
} from "./spec-metrics.js";
export { type VerifyDraftInput, type VerifyDraftResult, verifyDraft } from "./speculative-step.js";
export { standardError } from "./standard-error.js";
