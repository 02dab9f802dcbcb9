import type { CallContext } from "./call-context.js";

/** How a call chooses its deadline and cancellation. */
export interface CallOptions {
  /** Time allowed for the call, from now (default: the client's). Infinity means no deadline. */
  timeoutMs?: number;
  /** Absolute deadline (ms since the epoch or a Date); wins over `timeoutMs`. */
  deadline?: number | Date;
  /** Cancels the call when aborted. */
  signal?: AbortSignal;
  /** Request metadata. */
  metadata?: Record<string, string | string[]>;
}

export interface DownstreamOptions {
  /** Kept back from the incoming deadline so this server has time to answer after the downstream call
   * returns (default 50 ms). */
  marginMs?: number;
  /** Upper bound on the downstream call's time even when the incoming call has a later deadline or none. */
  maxTimeoutMs?: number;
}

/**
 * Call options for a call made while serving `context`: its deadline is the incoming deadline less a
 * margin (capped by `maxTimeoutMs`), and it is cancelled when the incoming call is.
 */
export function downstreamCallOptions(
  context: Pick<CallContext, "deadline" | "signal">,
  options: DownstreamOptions = {},
): Required<Pick<CallOptions, "deadline" | "signal">> {
  const now = Date.now();
  const fromIncoming = context.deadline - (options.marginMs ?? 50);
  const cap = now + (options.maxTimeoutMs ?? Number.POSITIVE_INFINITY);
  // A deadline already in the past still goes out: the call then fails fast with DEADLINE_EXCEEDED.
  return { deadline: Math.max(now, Math.min(fromIncoming, cap)), signal: context.signal };
}

/** The absolute deadline (ms since the epoch, Infinity for none) a call with `options` gets. */
export function resolveDeadline(options: CallOptions, defaultTimeoutMs: number): number {
  if (options.deadline !== undefined) {
    return options.deadline instanceof Date ? options.deadline.getTime() : options.deadline;
  }
  return Date.now() + (options.timeoutMs ?? defaultTimeoutMs);
}
