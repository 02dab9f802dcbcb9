import { argmax, expectedTau, tokenAcceptance } from "@distillspec/core";
import type { ModelConfig, Weights } from "@distillspec/model";
import { TargetVerifier } from "@distillspec/serving";

// Token acceptance β(p, q) = Σ_y min(p(y), q(y)) is the probability that speculative sampling accepts a
// draft token at one position. Averaged over target-written continuations it measures what α measures,
// without α's sampling noise: α counts accept/reject coin flips (±0.04 between two seeds on 32 prompts),
// β averages their exact probabilities over the same contexts.

export interface TokenAcceptanceResult {
  /** Mean β at T = 1 over the continuation positions of target samples (T = 1). */
  beta: number;
  /** Share of positions on the target's greedy continuations where the draft's top token is the target's. */
  greedyAgreement: number;
  /** E[τ] = (1 − β^(γ+1)) / (1 − β), as if every position accepted with probability β. */
  tauIid: number;
  positions: number;
}

export interface TokenAcceptanceProbeOptions {
  target: TargetVerifier;
  /** The draft's architecture and tokenizer; weights come with each measurement. */
  draft: { config: ModelConfig; tokenizerIdentity: string };
  prompts: readonly (readonly number[])[];
  maxNewTokens: number;
  gamma: number;
  seed: bigint;
  stopTokenIds?: readonly number[];
  /** Prompts the target samples at once (its session memory budget bounds this). */
  chunk?: number;
}

/** Target continuations as prompt + continuation rows, and the target's distributions on them (T = 1). */
interface Reference {
  rows: number[][];
  promptLengths: number[];
  /** Per row: the target's distribution at each position that predicts a continuation token. */
  target: Float32Array[];
}

/**
 * Samples the target's continuations of the prompts once (T = 1, and greedily) and scores them; `measure`
 * then scores them with each draft. The target is not called again after the first measurement.
 */
export function createTokenAcceptanceProbe(options: TokenAcceptanceProbeOptions) {
  const vocab = options.draft.config.vocabSize;
  const chunk = options.chunk ?? 8;
  let references: Promise<{ sampled: Reference; greedy: Reference }> | undefined;

  const reference = async (temperature: number): Promise<Reference> => {
    const rows: number[][] = [];
    for (let start = 0; start < options.prompts.length; start += chunk) {
      const prompts = options.prompts.slice(start, start + chunk);
      const continuations = await options.target.sample(
        prompts,
        options.maxNewTokens,
        { temperature, seed: options.seed + BigInt(start) },
        options.stopTokenIds,
      );
      for (const [i, prompt] of prompts.entries()) rows.push([...prompt, ...continuations[i]]);
    }
    const promptLengths = options.prompts.map((p) => p.length);
    return {
      rows,
      promptLengths,
      target: await continuationDistributions(options.target, rows, promptLengths),
    };
  };

  return {
    async measure(weights: Weights): Promise<TokenAcceptanceResult> {
      if (!references) {
        references = (async () => ({ sampled: await reference(1), greedy: await reference(0) }))();
        // A failed sampling (e.g. the target closed) is not remembered: the next measurement tries again.
        references.catch(() => {
          references = undefined;
        });
      }
      const { sampled, greedy } = await references;
      const draft = await TargetVerifier.create(
        { formatVersion: 1, ...options.draft, metadata: {}, weights },
        { threads: 1, maxSessions: 4096 },
      );
      try {
        const drafted = await continuationDistributions(draft, sampled.rows, sampled.promptLengths);
        let betaSum = 0;
        let positions = 0;
        sampled.target.forEach((p, r) => {
          for (let at = 0; at < p.length; at += vocab) {
            betaSum += tokenAcceptance(p.subarray(at, at + vocab), drafted[r].subarray(at, at + vocab));
            positions++;
          }
        });
        const draftedGreedy = await continuationDistributions(draft, greedy.rows, greedy.promptLengths);
        let agree = 0;
        let greedyPositions = 0;
        greedy.target.forEach((p, r) => {
          for (let at = 0; at < p.length; at += vocab) {
            const draftTop = argmax(draftedGreedy[r].subarray(at, at + vocab));
            if (argmax(p.subarray(at, at + vocab)) === draftTop) agree++;
            greedyPositions++;
          }
        });
        const beta = betaSum / positions;
        return {
          beta,
          greedyAgreement: agree / greedyPositions,
          // float32 distributions can sum a hair above 1.
          tauIid: expectedTau(Math.min(1, beta), options.gamma),
          positions,
        };
      } finally {
        await draft.close();
      }
    },
  };
}

/** A model's distributions (T = 1) at the positions that predict each row's continuation tokens. */
export async function continuationDistributions(
  model: TargetVerifier,
  rows: readonly number[][],
  promptLengths: readonly number[],
): Promise<Float32Array[]> {
  const vocab = model.config.vocabSize;
  const out: Float32Array[] = [];
  // A few rows per call: one batched run each, within the model's session memory.
  for (let start = 0; start < rows.length; start += 8) {
    const scored = await model.teacherScore(rows.slice(start, start + 8), 1);
    scored.forEach((all, i) => {
      const r = start + i;
      // Position t predicts token t + 1: the continuation is predicted from promptLength − 1 to length − 2.
      out.push(all.slice((promptLengths[r] - 1) * vocab, (rows[r].length - 1) * vocab));
    });
  }
  return out;
}
