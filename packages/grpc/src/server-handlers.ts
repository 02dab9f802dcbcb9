import { create, type DescMessage, type DescMethod, type Message } from "@bufbuild/protobuf";
import { isMalformedRequest } from "@distillspec/proto";
import type {
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  StatusObject,
} from "@grpc/grpc-js";
import { type CallContext, createCallContext } from "./call-context.js";
import { ServiceError, Status, toServiceError } from "./errors.js";
import { MessageQueue } from "./message-queue.js";

/** Called with every error that becomes INTERNAL (a bug, not a client mistake): its stack is not sent. */
export type InternalErrorListener = (error: unknown, method: string) => void;

export type AnyUnary = (request: Message, context: CallContext) => unknown;
export type AnyServerStreaming = (request: Message, context: CallContext) => AsyncIterable<unknown>;
export type AnyBidiStreaming = (
  requests: AsyncIterable<Message>,
  context: CallContext,
) => AsyncIterable<unknown>;

/** Wraps a promise-returning handler as a grpc-js unary handler that answers exactly once. */
export function wrapUnary(
  method: DescMethod,
  handler: AnyUnary,
  onInternalError: InternalErrorListener,
): handleUnaryCall<Message, Message> {
  return (call, callback) => {
    const { context, finish } = createCallContext(call as ServerUnaryCall<unknown, unknown>);
    void (async () => {
      let response: Message;
      try {
        rejectMalformed(call.request);
        response = toMessage(method.output, await handler(call.request, context));
      } catch (error) {
        finish();
        callback(errorStatus(error, context, onInternalError));
        return;
      }
      finish();
      callback(null, response);
    })();
  };
}

/** Wraps an async-generator handler as a grpc-js server-streaming handler with backpressure. */
export function wrapServerStreaming(
  method: DescMethod,
  handler: AnyServerStreaming,
  onInternalError: InternalErrorListener,
): handleServerStreamingCall<Message, Message> {
  return (call) => {
    const { context, finish } = createCallContext(call as ServerUnaryCall<unknown, unknown>);
    const responses = (async function* () {
      rejectMalformed(call.request);
      yield* handler(call.request, context);
    })();
    void writeAll(call, method, responses, context, finish, onInternalError);
  };
}

/** Wraps a handler over the request stream as a grpc-js bidi-streaming handler with backpressure. */
export function wrapBidiStreaming(
  method: DescMethod,
  handler: AnyBidiStreaming,
  onInternalError: InternalErrorListener,
): handleBidiStreamingCall<Message, Message> {
  return (call) => {
    const { context, finish } = createCallContext(call as unknown as ServerUnaryCall<unknown, unknown>);
    void writeAll(
      call,
      method,
      handler(requestsOf(call, context.signal), context),
      context,
      finish,
      onInternalError,
    );
  };
}

type WritableCall = ServerWritableStream<Message, Message> | ServerDuplexStream<Message, Message>;

/** Writes every response, then ends the call with OK, or with the status of the error that ended it. */
async function writeAll(
  call: WritableCall,
  method: DescMethod,
  responses: AsyncIterable<unknown>,
  context: CallContext,
  finish: () => void,
  onInternalError: InternalErrorListener,
): Promise<void> {
  try {
    for await (const item of responses) {
      // Leaving the loop runs the generator's finally blocks.
      if (context.signal.aborted) break;
      if (!call.write(toMessage(method.output, item))) await drained(call, context.signal);
    }
  } catch (error) {
    finish();
    call.emit("error", errorStatus(error, context, onInternalError));
    return;
  }
  finish();
  if (!context.signal.aborted) call.end();
}

/**
 * The requests of a duplex call, each checked for being well-formed. Ends when the client half-closes;
 * throws the abort reason when the call is cancelled or its deadline passes (grpc-js does not always end
 * the readable side then, and a handler waiting for the next request must not wait forever).
 */
async function* requestsOf(call: ServerDuplexStream<Message, Message>, signal: AbortSignal) {
  const requests = new MessageQueue<unknown>();
  const onAbort = (): void => requests.fail(signal.reason);
  call.on("data", (request) => requests.push(request));
  call.on("end", () => requests.end());
  call.on("error", (error) => requests.fail(error));
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const request of requests) {
      rejectMalformed(request);
      yield request as Message;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function rejectMalformed(request: unknown): void {
  if (isMalformedRequest(request)) throw new ServiceError(Status.INVALID_ARGUMENT, request.malformedRequest);
}

function toMessage(schema: DescMessage, value: unknown): Message {
  return create(schema, value as never);
}

function drained(call: WritableCall, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.once("drain", done);
    // A cancelled call never drains.
    signal.addEventListener("abort", done, { once: true });
  });
}

function errorStatus(
  error: unknown,
  context: CallContext,
  onInternalError: InternalErrorListener,
): Partial<StatusObject> {
  // Once the call is over (cancelled, past its deadline) the reason is what the status should say.
  const failure =
    context.signal.aborted && context.signal.reason instanceof ServiceError
      ? context.signal.reason
      : toServiceError(error);
  if (failure.code === Status.INTERNAL || failure.code === Status.UNKNOWN) {
    try {
      onInternalError(error, context.method);
    } catch {
      // A failing logger must not take the process down.
    }
  }
  return { code: failure.code, details: failure.message, metadata: failure.metadata };
}
