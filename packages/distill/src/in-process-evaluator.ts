import { SpecMetrics, standardError } from "@distillspec/core";
import type { ModelConfig, Weights } from "@distillspec/model";
import { DraftProposer, speculativeGenerate, type TargetBackend } from "@distillspec/serving";

// Measures what distillation is for: α and τ of real speculative decoding with the current draft weights
// against the target. Each evaluation seeds its own sampling, so it never touches the training's randomness.

export interface EvaluationRequest {
  prompts: readonly (readonly number[])[];
  gamma: number;
  temperature: number;
  maxNewTokens: number;
  /** Prompt i decodes with seed + i: the same seed gives comparable numbers across evaluations. */
  seed: bigint;
  /**
   * Decodes of each prompt with different seeds (default 1). At T = 1 one decode per prompt leaves α noisy
   * (±0.04 between two seeds on 32 prompts); more samples shrink that. Repeat k of prompt i uses
   * seed + k·prompts + i, so samples 1 is the single-sample evaluation.
   */
  samplesPerPrompt?: number;
}

export interface EvaluationResult {
  alpha: number;
  tau: number;
  /** Standard error of τ over the repeats (each repeat pooled over all prompts); NaN with one sample. */
  tauStandardError?: number;
}

export type DraftEvaluator = (weights: Weights, request: EvaluationRequest) => Promise<EvaluationResult>;

export interface InProcessEvaluatorOptions {
  target: TargetBackend;
  /** The draft's architecture and tokenizer; the weights come with each evaluation. */
  draft: { config: ModelConfig; tokenizerIdentity: string };
  /** The target's context length, when shorter than the draft's. */
  targetContextLength?: number;
  /**
   * Decoding stops at these (end of text), as serving does. Without them, α would also count whatever the
   * models babble after the end of an answer, which distillation data never covers.
   */
  stopTokenIds?: readonly number[];
  threads?: number;
}

/** Builds a draft proposer from the given weights for each evaluation and runs SD over every prompt. */
export function createInProcessEvaluator(options: InProcessEvaluatorOptions): DraftEvaluator {
  const contextLength = Math.min(
    options.draft.config.contextLength,
    options.targetContextLength ?? Number.POSITIVE_INFINITY,
  );
  return async (weights, request) => {
    const proposer = await DraftProposer.create(
      { formatVersion: 1, ...options.draft, metadata: {}, weights },
      { threads: options.threads ?? 1, maxGamma: Math.max(16, request.gamma) },
    );
    const samples = request.samplesPerPrompt ?? 1;
    if (!Number.isInteger(samples) || samples < 1) {
      throw new RangeError(`samplesPerPrompt must be an integer ≥ 1, got ${samples}`);
    }
    const total = new SpecMetrics();
    const repeatTaus: number[] = [];
    try {
      for (let k = 0; k < samples; k++) {
        const repeat = new SpecMetrics();
        for (const [i, prompt] of request.prompts.entries()) {
          const seed = request.seed + BigInt(k * request.prompts.length + i);
          for await (const event of speculativeGenerate(options.target, proposer, {
            promptTokens: prompt,
            maxNewTokens: request.maxNewTokens,
            gamma: request.gamma,
            sampling: { temperature: request.temperature, seed },
            stopTokenIds: options.stopTokenIds,
            contextLength,
          })) {
            if (event.kind === "done") repeat.merge(event.stats.metrics);
          }
        }
        total.merge(repeat);
        repeatTaus.push(repeat.tau);
      }
    } finally {
      await proposer.close();
    }
    return { alpha: total.alpha, tau: total.tau, tauStandardError: standardError(repeatTaus) };
  };
}
