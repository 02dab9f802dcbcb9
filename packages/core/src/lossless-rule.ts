import type { AcceptArgs, AcceptanceRule } from "./acceptance-rule.js";

/**
 * Leviathan/Chen acceptance: accept x iff r < min(1, p(x) / q(x)).
 * p(x) = 0 → always reject (the target would never emit x).
 * q(x) = 0 → the draft could not have sampled x; we take the limit p/q = ∞ and accept iff p(x) > 0.
 * That event has probability zero under honest drafting, so it cannot bias the output, and the
 * emitted token stays inside the target's support.
 */
export const losslessRule: AcceptanceRule = {
  id: "lossless",
  accept({ token, p, q, r }: AcceptArgs): boolean {
    const px = p[token];
    const qx = q[token];
    if (!(px > 0)) return false;
    if (!(qx > 0)) return true;
    return r < Math.min(1, px / qx);
  },
};
