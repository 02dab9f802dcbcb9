import type { AcceptanceRule } from "./acceptance-rule.js";
import { losslessRule } from "./lossless-rule.js";
import type { RandomSource } from "./random-source.js";
import { residualDistribution } from "./residual-distribution.js";
import { argmax } from "./sample-token.js";

export interface VerifyDraftInput {
  /** x_1..x_γ, sampled by the draft from q_1..q_γ. γ = 0 is allowed (plain target step). */
  readonly draftTokens: readonly number[];
  /** q_1..q_γ, processed (temperature/top-k/top-p) exactly as when the tokens were sampled. */
  readonly draftProbs: readonly ArrayLike<number>[];
  /** p_1..p_{γ+1} from one target pass, processed the same way as the draft side. */
  readonly targetProbs: readonly ArrayLike<number>[];
  /** Defaults to losslessRule. Ignored in greedy mode. */
  readonly rule?: AcceptanceRule;
  /** Unused in greedy mode. */
  readonly rng: RandomSource;
  /** Temperature 0: accept iff x_i = argmax p_i; recovered/bonus = argmax; no randomness drawn. */
  readonly greedy?: boolean;
}

export interface VerifyDraftResult {
  /** n: number of draft tokens accepted (a prefix of the draft). */
  readonly acceptedCount: number;
  /** x_1..x_n followed by exactly one recovered (on rejection) or bonus (all accepted) token. */
  readonly emitted: number[];
  /** Verdict per examined position: n trues, then one false unless everything was accepted. */
  readonly accepted: boolean[];
  /** True when all γ draft tokens were accepted and the last token came from p_{γ+1}. */
  readonly bonus: boolean;
}

/**
 * One verification round of speculative decoding (Leviathan et al. 2023; Chen et al. 2023).
 * Random stream, non-greedy: one rng.uniform() per examined position (always drawn, whatever the
 * rule), then one rng.categorical() for the recovered or bonus token.
 */
export function verifyDraft(input: VerifyDraftInput): VerifyDraftResult {
  const { draftTokens, draftProbs, targetProbs, rng } = input;
  const rule = input.rule ?? losslessRule;
  const greedy = input.greedy ?? false;
  const gamma = draftTokens.length;
  if (draftProbs.length !== gamma) {
    throw new RangeError(`verifyDraft: ${gamma} draft tokens but ${draftProbs.length} draft distributions`);
  }
  if (targetProbs.length !== gamma + 1) {
    throw new RangeError(
      `verifyDraft: expected ${gamma + 1} target distributions (γ + 1), got ${targetProbs.length}`,
    );
  }
  const vocab = targetProbs[0].length;
  for (let i = 0; i <= gamma; i++) {
    if (targetProbs[i].length !== vocab || (i < gamma && draftProbs[i].length !== vocab)) {
      throw new RangeError(`verifyDraft: distributions at position ${i} do not match vocab size ${vocab}`);
    }
    if (i < gamma) {
      const t = draftTokens[i];
      if (!Number.isInteger(t) || t < 0 || t >= vocab) {
        throw new RangeError(`verifyDraft: draft token ${t} at position ${i} is outside [0, ${vocab})`);
      }
    }
  }

  const emitted: number[] = [];
  const accepted: boolean[] = [];
  for (let i = 0; i < gamma; i++) {
    const token = draftTokens[i];
    const p = targetProbs[i];
    const q = draftProbs[i];
    const ok = greedy ? token === argmax(p) : rule.accept({ token, p, q, r: rng.uniform(), position: i });
    accepted.push(ok);
    if (!ok) {
      const recovered = greedy
        ? argmax(p)
        : rng.categorical(rule.recover ? rule.recover(p, q) : residualDistribution(p, q));
      emitted.push(recovered);
      return { acceptedCount: i, emitted, accepted, bonus: false };
    }
    emitted.push(token);
  }
  const last = targetProbs[gamma];
  emitted.push(greedy ? argmax(last) : rng.categorical(last));
  return { acceptedCount: gamma, emitted, accepted, bonus: true };
}
