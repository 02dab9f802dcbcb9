// Contract between the speculative step and (possibly plugin-provided) acceptance rules.
// The step owns the randomness: it draws r once per examined position and hands it in, so rules
// are pure functions and every rule consumes the same random stream. A lossy rule with ε = 1 then
// reproduces lossless decoding draw for draw.

/** What a rule sees for one examined draft position. */
export interface AcceptArgs {
  /** The draft token x_i proposed at this position. */
  readonly token: number;
  /** Processed target distribution p_i over the vocabulary. */
  readonly p: ArrayLike<number>;
  /** Processed draft distribution q_i the token was sampled from. */
  readonly q: ArrayLike<number>;
  /** The uniform draw r ~ U[0, 1) for this position (rules that ignore it stay deterministic). */
  readonly r: number;
  /** 0-based position inside the draft block. */
  readonly position: number;
}

export interface AcceptanceRule {
  /** Stable identifier, e.g. "lossless" or "lossy-exp:0.5"; used in logs and metrics. */
  readonly id: string;
  /** True to accept the draft token. Must be pure: same args, same answer. */
  accept(args: AcceptArgs): boolean;
  /**
   * Distribution to draw the recovered token from after a rejection (unnormalised weights are
   * fine). Defaults to the residual norm(max(0, p − q)), which both lossless and the paper's lossy
   * rules use.
   */
  recover?(p: ArrayLike<number>, q: ArrayLike<number>): ArrayLike<number>;
}
