import type { BidiCall } from "./client.js";
import { ServiceError, Status } from "./errors.js";

// Request/response over one bidi call, one request at a time: a round costs one message on an open
// HTTP/2 stream instead of a whole unary call (measured here: ~0.15 ms against ~0.7–0.9 ms across
// processes on loopback).

export class LockstepStream<In, Out> {
  private readonly responses: AsyncIterator<Out>;
  private pending = false;
  private failure: unknown;
  private closing: Promise<void> | undefined;

  constructor(private readonly call: BidiCall<In, Out>) {
    this.responses = call[Symbol.asyncIterator]();
  }

  /** Sends `message` and resolves with the response to it; after one failure every request fails. */
  async request(message: In): Promise<Out> {
    if (this.failure !== undefined) throw this.failure;
    if (this.closing) throw new ServiceError(Status.FAILED_PRECONDITION, "stream is closed");
    if (this.pending) throw new Error("LockstepStream: one request at a time");
    this.pending = true;
    try {
      this.call.send(message);
      const next = await this.responses.next();
      if (next.done) throw new ServiceError(Status.UNAVAILABLE, "stream ended without a response");
      return next.value;
    } catch (error) {
      this.failure = error;
      throw error;
    } finally {
      this.pending = false;
    }
  }

  /**
   * Half-closes and waits for the server to end the call (it releases what the stream held by then);
   * cancels it if that takes longer than `timeoutMs`. Never rejects.
   */
  close(timeoutMs = 5_000): Promise<void> {
    this.closing ??= (async () => {
      this.call.end();
      const timer = setTimeout(() => this.call.cancel(), timeoutMs);
      try {
        while (!(await this.responses.next()).done) {
          // A response to a request nobody waits for any more (the caller gave up on it).
        }
      } catch {
        // The call failed or was cancelled: the server has dropped the stream's state either way.
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.closing;
  }
}
