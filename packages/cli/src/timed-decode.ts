import type { AcceptanceRule } from "@distillspec/core";
import {
  type DraftProposer,
  type LoopStats,
  speculativeGenerate,
  type TargetVerifier,
} from "@distillspec/serving";

// One prompt decoded and timed, by the target alone (no proposer) or speculatively; and the order in which
// the benchmarks run their decoders, so that they compare side by side.

export interface DecodeSettings {
  maxNewTokens: number;
  gamma: number;
  temperature: number;
  stopTokenIds: number[];
  /** Acceptance rule for speculative decoding (lossless when absent). */
  rule?: AcceptanceRule;
}

export interface TimedDecode {
  tokens: number[];
  ms: number;
  /** The speculative loop's statistics (absent for target-only decoding). */
  stats?: LoopStats;
}

export async function timedDecode(
  verifier: TargetVerifier,
  proposer: DraftProposer | undefined,
  prompt: number[],
  seed: number,
  settings: DecodeSettings,
): Promise<TimedDecode> {
  const sampling = { temperature: settings.temperature, seed: BigInt(seed) };
  const tokens: number[] = [];
  let stats: LoopStats | undefined;
  const started = performance.now();
  if (proposer === undefined) {
    for await (const s of verifier.generate(prompt, settings.maxNewTokens, sampling, settings.stopTokenIds)) {
      tokens.push(s.tokenId);
    }
  } else {
    for await (const event of speculativeGenerate(verifier, proposer, {
      promptTokens: prompt,
      maxNewTokens: settings.maxNewTokens,
      gamma: settings.gamma,
      sampling,
      stopTokenIds: settings.stopTokenIds,
      contextLength: verifier.config.contextLength,
      rule: settings.rule,
    })) {
      if (event.kind === "tokens") tokens.push(...event.tokens);
      else stats = event.stats;
    }
  }
  return { tokens, ms: performance.now() - started, stats };
}

/**
 * Visits every (prompt, decoder) pair, prompt by prompt, each prompt starting at the next decoder: a change
 * in the machine's load then slows every decoder alike, instead of whichever ran at the time.
 */
export async function forEachInterleaved(
  prompts: number,
  decoders: number,
  visit: (prompt: number, decoder: number) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < prompts; i++) {
    for (let k = 0; k < decoders; k++) await visit(i, (i + k) % decoders);
  }
}
