import { SpecMetrics } from "@distillspec/core";
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
}

export interface EvaluationResult {
  alpha: number;
  tau: number;
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
    const total = new SpecMetrics();
    try {
      for (const [i, prompt] of request.prompts.entries()) {
        for await (const event of speculativeGenerate(options.target, proposer, {
          promptTokens: prompt,
          maxNewTokens: request.maxNewTokens,
          gamma: request.gamma,
          sampling: { temperature: request.temperature, seed: request.seed + BigInt(i) },
          stopTokenIds: options.stopTokenIds,
          contextLength,
        })) {
          if (event.kind === "done") total.merge(event.stats.metrics);
        }
      }
    } finally {
      await proposer.close();
    }
    return { alpha: total.alpha, tau: total.tau };
  };
}
