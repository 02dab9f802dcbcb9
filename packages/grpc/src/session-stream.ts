import { invalidArgument } from "./errors.js";

// The server side of "a session as a stream": the first request opens the session, every later one is
// a step on it, and the session is released when the stream ends for any reason (half-close, cancel,
// deadline, error), so a client that goes away cannot leak it.

export interface SessionStreamHandlers<Req, Res> {
  /** Which kind of request this is; the first must be "open", every later one "step". */
  kind(request: Req): "open" | "step" | undefined;
  /** The session a step names, if any: it must be the stream's own. */
  namedSession?(request: Req): string;
  open(request: Req): Promise<{ sessionId: string; response: Res }>;
  step(request: Req, sessionId: string): Promise<Res>;
  release(sessionId: string): void;
}

export async function* serveSessionStream<Req, Res>(
  requests: AsyncIterable<Req>,
  handlers: SessionStreamHandlers<Req, Res>,
): AsyncGenerator<Res> {
  let sessionId: string | undefined;
  try {
    for await (const request of requests) {
      const kind = handlers.kind(request);
      if (sessionId === undefined) {
        if (kind !== "open")
          throw invalidArgument("the first message of a session stream must open the session");
        // Only a session this stream opened is ever released by it (an id already in use fails here).
        const opened = await handlers.open(request);
        sessionId = opened.sessionId;
        yield opened.response;
      } else {
        if (kind !== "step") throw invalidArgument("the session is already open: send steps only");
        const named = handlers.namedSession?.(request);
        if (named && named !== sessionId) {
          throw invalidArgument(`this stream holds session ${sessionId}, not ${named}`);
        }
        yield await handlers.step(request, sessionId);
      }
    }
  } finally {
    if (sessionId !== undefined) {
      try {
        handlers.release(sessionId);
      } catch {
        // Already gone (idle TTL): nothing left to release.
      }
    }
  }
}
