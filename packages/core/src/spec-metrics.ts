// Speculative-decoding metrics (names follow the project spec and vLLM's SpecDecodingStats),
// plus the closed-form quantities they are compared against.

/** One verification round, i.e. one target call. */
export interface SpecRound {
  /** γ for this round (may vary with adaptive lookahead). */
  readonly proposed: number;
  /** Draft tokens accepted, 0..proposed. */
  readonly acceptedCount: number;
  /**
   * Tokens actually emitted (count or the tokens). Normally acceptedCount + 1; fewer when the
   * round was truncated by EOS or max_tokens.
   */
  readonly emitted: number | readonly number[];
}

/** Plain-JSON view; ratios are NaN when their denominator is 0 (nothing to measure yet). */
export interface SpecMetricsSnapshot {
  /** Rounds recorded = target calls. */
  readonly num_drafts: number;
  readonly num_draft_tokens: number;
  readonly num_accepted_tokens: number;
  readonly num_emitted_tokens: number;
  /** [i] = rounds in which the draft token at 0-based position i was accepted. */
  readonly num_accepted_tokens_per_pos: number[];
  /** [i] = rounds in which position i was examined (proposed > i and positions < i accepted). */
  readonly num_reached_per_pos: number[];
  /** α = accepted / proposed draft tokens. */
  readonly alpha: number;
  /** τ = emitted tokens / target calls (block efficiency). */
  readonly tau: number;
  /** [i] = accepted at i / reached i: acceptance given all earlier positions were accepted. */
  readonly acceptance_per_position: number[];
  /** 1 + accepted / drafts: τ without truncation. */
  readonly mean_acceptance_length: number;
}

export class SpecMetrics {
  private drafts = 0;
  private draftTokens = 0;
  private acceptedTokens = 0;
  private emittedTokens = 0;
  private acceptedPerPos: number[] = [];
  private reachedPerPos: number[] = [];

  record(round: SpecRound): this {
    const { proposed, acceptedCount } = round;
    const emitted = typeof round.emitted === "number" ? round.emitted : round.emitted.length;
    if (!Number.isInteger(proposed) || proposed < 0) {
      throw new RangeError(`SpecMetrics.record: proposed must be a non-negative integer, got ${proposed}`);
    }
    if (!Number.isInteger(acceptedCount) || acceptedCount < 0 || acceptedCount > proposed) {
      throw new RangeError(
        `SpecMetrics.record: acceptedCount must be in [0, ${proposed}], got ${acceptedCount}`,
      );
    }
    if (!Number.isInteger(emitted) || emitted < 0 || emitted > acceptedCount + 1) {
      throw new RangeError(
        `SpecMetrics.record: emitted must be in [0, ${acceptedCount + 1}], got ${emitted}`,
      );
    }
    this.drafts++;
    this.draftTokens += proposed;
    this.acceptedTokens += acceptedCount;
    this.emittedTokens += emitted;
    grow(this.acceptedPerPos, proposed);
    grow(this.reachedPerPos, proposed);
    for (let i = 0; i < acceptedCount; i++) this.acceptedPerPos[i]++;
    // Positions 0..acceptedCount were examined, except that a fully accepted draft stops at γ − 1.
    const reached = Math.min(acceptedCount + 1, proposed);
    for (let i = 0; i < reached; i++) this.reachedPerPos[i]++;
    return this;
  }

  /** Adds another accumulator's counts into this one (e.g. per-request → per-server). */
  merge(other: SpecMetrics | SpecMetricsSnapshot): this {
    const s = other instanceof SpecMetrics ? other.snapshot() : other;
    this.drafts += s.num_drafts;
    this.draftTokens += s.num_draft_tokens;
    this.acceptedTokens += s.num_accepted_tokens;
    this.emittedTokens += s.num_emitted_tokens;
    addInto(this.acceptedPerPos, s.num_accepted_tokens_per_pos);
    addInto(this.reachedPerPos, s.num_reached_per_pos);
    return this;
  }

  /** Sum of several accumulators, as a new one. */
  static sum(parts: Iterable<SpecMetrics | SpecMetricsSnapshot>): SpecMetrics {
    const total = new SpecMetrics();
    for (const part of parts) total.merge(part);
    return total;
  }

  get numDrafts(): number {
    return this.drafts;
  }
  get numDraftTokens(): number {
    return this.draftTokens;
  }
  get numAcceptedTokens(): number {
    return this.acceptedTokens;
  }
  get numEmittedTokens(): number {
    return this.emittedTokens;
  }
  get alpha(): number {
    return ratio(this.acceptedTokens, this.draftTokens);
  }
  get tau(): number {
    return ratio(this.emittedTokens, this.drafts);
  }
  get meanAcceptanceLength(): number {
    return 1 + ratio(this.acceptedTokens, this.drafts);
  }
  get acceptancePerPosition(): number[] {
    return this.acceptedPerPos.map((a, i) => ratio(a, this.reachedPerPos[i]));
  }

  snapshot(): SpecMetricsSnapshot {
    return {
      num_drafts: this.drafts,
      num_draft_tokens: this.draftTokens,
      num_accepted_tokens: this.acceptedTokens,
      num_emitted_tokens: this.emittedTokens,
      num_accepted_tokens_per_pos: [...this.acceptedPerPos],
      num_reached_per_pos: [...this.reachedPerPos],
      alpha: this.alpha,
      tau: this.tau,
      acceptance_per_position: this.acceptancePerPosition,
      mean_acceptance_length: this.meanAcceptanceLength,
    };
  }
}

/**
 * E[τ] under i.i.d. acceptance: (1 − α^(γ+1)) / (1 − α), = γ + 1 at α = 1. Evaluated as the
 * geometric sum Σ_{k=0..γ} α^k, which has no cancellation as α → 1.
 */
export function expectedTau(alpha: number, gamma: number): number {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`expectedTau: alpha must be in [0, 1], got ${alpha}`);
  if (!Number.isInteger(gamma) || gamma < 0) {
    throw new RangeError(`expectedTau: gamma must be a non-negative integer, got ${gamma}`);
  }
  let sum = 0;
  let term = 1;
  for (let k = 0; k <= gamma; k++) {
    sum += term;
    term *= alpha;
  }
  return sum;
}

/** Token acceptance β(p, q) = Σ min(p, q) = 1 − TVD(p, q) for normalised p, q (float64 sum). */
export function tokenAcceptance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkSameLength("tokenAcceptance", p, q);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += Math.min(p[i], q[i]);
  return sum;
}

/** TVD(p, q) = ½ Σ |p − q| (float64 sum). */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkSameLength("totalVariation", p, q);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += Math.abs(p[i] - q[i]);
  return sum / 2;
}

/** Leviathan Thm 3.8 walltime improvement τ / (γ·c + 1); c = draft step time / target step time. */
export function predictedSpeedup(tau: number, gamma: number, c: number): number {
  if (!(tau >= 0) || !Number.isFinite(tau)) throw new RangeError(`predictedSpeedup: bad tau ${tau}`);
  if (!(gamma >= 0) || !Number.isFinite(gamma)) throw new RangeError(`predictedSpeedup: bad gamma ${gamma}`);
  if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`predictedSpeedup: bad cost ratio ${c}`);
  return tau / (gamma * c + 1);
}

function ratio(num: number, den: number): number {
  return den > 0 ? num / den : Number.NaN;
}

function grow(xs: number[], length: number): void {
  while (xs.length < length) xs.push(0);
}

function addInto(into: number[], from: readonly number[]): void {
  grow(into, from.length);
  for (let i = 0; i < from.length; i++) into[i] += from[i];
}

function checkSameLength(name: string, p: ArrayLike<number>, q: ArrayLike<number>): void {
  if (p.length !== q.length) throw new RangeError(`${name}: |p| = ${p.length} but |q| = ${q.length}`);
}
