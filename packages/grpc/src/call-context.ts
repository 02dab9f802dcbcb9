import type { Metadata, ServerUnaryCall } from "@grpc/grpc-js";
import { cancelled, deadlineExceeded } from "./errors.js";

/** What a handler knows about its call besides the request. */
export interface CallContext {
  /** Full method path, e.g. "/distillspec.v1.TargetVerifierService/Score". */
  readonly method: string;
  /** Absolute deadline in ms since the epoch; Infinity when the caller set none. */
  readonly deadline: number;
  /** Aborted when the client cancels, the deadline passes or the server force-closes the call. */
  readonly signal: AbortSignal;
  /** Request metadata. */
  readonly metadata: Metadata;
  readonly peer: string;
}

/** Milliseconds left before the call's deadline (Infinity without one, never negative). */
export function timeRemainingMs(context: Pick<CallContext, "deadline">): number {
  return Math.max(0, context.deadline - Date.now());
}

// A client cancels (RST_STREAM) when its own deadline passes, which the server cannot tell from an
// explicit cancel: a cancel this close to the deadline is taken as the deadline passing.
const DEADLINE_SLACK_MS = 50;

/**
 * Builds the context of one server call. grpc-js emits "cancelled" after every finished call too, so
 * `finish()` must be called once the handler is done to stop that from aborting the signal.
 */
export function createCallContext(call: ServerUnaryCall<unknown, unknown>): {
  context: CallContext;
  finish: () => void;
} {
  const controller = new AbortController();
  const raw = call.getDeadline();
  const deadline = raw instanceof Date ? raw.getTime() : raw;
  const onCancelled = (): void => {
    const pastDeadline = Date.now() + DEADLINE_SLACK_MS >= deadline;
    controller.abort(
      pastDeadline ? deadlineExceeded("deadline exceeded") : cancelled("call cancelled by the client"),
    );
  };
  call.once("cancelled", onCancelled);
  if (call.cancelled) onCancelled();
  // grpc-js ends a call whose deadline passes without always emitting "cancelled": abort at the deadline
  // ourselves, so handlers stop work nobody is waiting for (and release what they created for it).
  const timer = Number.isFinite(deadline)
    ? setTimeout(
        () => {
          if (!controller.signal.aborted) controller.abort(deadlineExceeded("deadline exceeded"));
        },
        Math.max(0, deadline - Date.now()),
      )
    : undefined;
  timer?.unref();
  const context: CallContext = {
    method: call.getPath(),
    deadline,
    signal: controller.signal,
    metadata: call.metadata,
    peer: call.getPeer(),
  };
  return {
    context,
    finish: () => {
      call.off("cancelled", onCancelled);
      clearTimeout(timer);
    },
  };
}
