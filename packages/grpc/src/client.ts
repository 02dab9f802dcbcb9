import type { MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { grpcServiceDefinition } from "@distillspec/proto";
import {
  type ChannelOptions,
  Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type MethodDefinition,
} from "@grpc/grpc-js";
import { type CallOptions, resolveDeadline } from "./deadline.js";
import { ServiceError, Status, toServiceError } from "./errors.js";
import { type MessageLimits, messageLimitOptions } from "./message-limits.js";
import { MessageQueue } from "./message-queue.js";

export interface ClientOptions extends MessageLimits {
  /** Deadline of unary calls without their own (default 30 s). */
  timeoutMs?: number;
  /** Deadline of streaming calls (server and bidi) without their own (default 10 min). */
  streamTimeoutMs?: number;
  /** Extra grpc-js channel options. */
  grpcOptions?: ChannelOptions;
}

type Method = GenServiceMethods[string];

export type UnaryMethod<M extends Method> = (
  request: MessageInitShape<M["input"]>,
  options?: CallOptions,
) => Promise<MessageShape<M["output"]>>;

/** The call starts when iteration starts; breaking out of the loop cancels it. */
export type ServerStreamingMethod<M extends Method> = (
  request: MessageInitShape<M["input"]>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<M["output"]>>;

/**
 * One bidirectional call. Iterating yields the responses (errors become ServiceErrors); the call starts
 * at once, so send before or while iterating.
 */
export interface BidiCall<In, Out> extends AsyncIterable<Out> {
  /** Queues one request; a no-op after end() or once the call is over. */
  send(request: In): void;
  /** Half-closes: no more requests; the server finishes and ends the call. */
  end(): void;
  /** Cancels the call (CANCELLED on both sides); a no-op once it is over. */
  cancel(): void;
}

export type BidiStreamingMethod<M extends Method> = (
  options?: CallOptions,
) => BidiCall<MessageInitShape<M["input"]>, MessageShape<M["output"]>>;

/** A typed client: one method per RPC, keyed like the generated service, plus `$close` and `$waitForReady`. */
export type ServiceClient<T extends GenServiceMethods> = {
  readonly [K in keyof T]: T[K]["methodKind"] extends "unary"
    ? UnaryMethod<T[K]>
    : T[K]["methodKind"] extends "server_streaming"
      ? ServerStreamingMethod<T[K]>
      : T[K]["methodKind"] extends "bidi_streaming"
        ? BidiStreamingMethod<T[K]>
        : never;
} & {
  /** Closes the channel; calls in flight fail with CANCELLED/UNAVAILABLE. */
  $close(): void;
  /** Resolves once connected; rejects with DEADLINE_EXCEEDED if not connected within `timeoutMs`. */
  $waitForReady(timeoutMs: number): Promise<void>;
};

/** Creates a client for `service` at `address` (e.g. "127.0.0.1:50051"), over plaintext. */
export function createClient<T extends GenServiceMethods>(
  service: GenService<T>,
  address: string,
  options: ClientOptions = {},
): ServiceClient<T> {
  const channel = new Client(address, credentials.createInsecure(), {
    ...messageLimitOptions(options),
    ...options.grpcOptions,
  });
  const definition = grpcServiceDefinition(service) as Record<string, MethodDefinition<unknown, unknown>>;
  const unaryTimeoutMs = options.timeoutMs ?? 30_000;
  const streamTimeoutMs = options.streamTimeoutMs ?? 600_000;
  const client: Record<string, unknown> = {
    $close: () => channel.close(),
    $waitForReady: (timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        channel.waitForReady(Date.now() + timeoutMs, (error) => {
          if (error) reject(new ServiceError(Status.DEADLINE_EXCEEDED, error.message, { cause: error }));
          else resolve();
        });
      }),
  };
  for (const method of service.methods) {
    const def = definition[method.localName];
    if (method.methodKind === "unary") {
      client[method.localName] = (request: unknown, callOptions: CallOptions = {}) =>
        callUnary(channel, def, request, callOptions, unaryTimeoutMs);
    } else if (method.methodKind === "server_streaming") {
      client[method.localName] = (request: unknown, callOptions: CallOptions = {}) =>
        callServerStreaming(channel, def, request, callOptions, streamTimeoutMs);
    } else if (method.methodKind === "bidi_streaming") {
      client[method.localName] = (callOptions: CallOptions = {}) =>
        callBidiStreaming(channel, def, callOptions, streamTimeoutMs);
    }
  }
  return client as ServiceClient<T>;
}

function callUnary(
  channel: Client,
  def: MethodDefinition<unknown, unknown>,
  request: unknown,
  options: CallOptions,
  defaultTimeoutMs: number,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(abortedError(signal));
      return;
    }
    let call: ClientUnaryCall | undefined;
    const onAbort = (): void => call?.cancel();
    call = channel.makeUnaryRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize,
      request,
      toMetadata(options.metadata),
      { deadline: resolveDeadline(options, defaultTimeoutMs) },
      (error, response) => {
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(signal?.aborted ? abortedError(signal, error) : toServiceError(error));
        else resolve(response);
      },
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function* callServerStreaming(
  channel: Client,
  def: MethodDefinition<unknown, unknown>,
  request: unknown,
  options: CallOptions,
  defaultTimeoutMs: number,
): AsyncGenerator<unknown> {
  const { signal } = options;
  if (signal?.aborted) throw abortedError(signal);
  const call: ClientReadableStream<unknown> = channel.makeServerStreamRequest(
    def.path,
    def.requestSerialize,
    def.responseDeserialize,
    request,
    toMetadata(options.metadata),
    { deadline: resolveDeadline(options, defaultTimeoutMs) },
  );
  const onAbort = (): void => call.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const message of call) yield message;
  } catch (error) {
    throw signal?.aborted ? abortedError(signal, error) : toServiceError(error);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // No-op after the status arrived; cancels the call when the consumer stopped early.
    call.cancel();
  }
}

function callBidiStreaming(
  channel: Client,
  def: MethodDefinition<unknown, unknown>,
  options: CallOptions,
  defaultTimeoutMs: number,
): BidiCall<unknown, unknown> {
  const { signal } = options;
  const call: ClientDuplexStream<unknown, unknown> = channel.makeBidiStreamRequest(
    def.path,
    def.requestSerialize,
    def.responseDeserialize,
    toMetadata(options.metadata),
    { deadline: resolveDeadline(options, defaultTimeoutMs) },
  );
  let open = true; // requests may still be written
  const responses = new MessageQueue<unknown>();
  const onAbort = (): void => call.cancel();
  const close = (): void => {
    open = false;
    signal?.removeEventListener("abort", onAbort);
  };
  if (signal?.aborted) call.cancel();
  else signal?.addEventListener("abort", onAbort, { once: true });
  call.on("data", (message) => responses.push(message));
  call.on("end", () => responses.end());
  call.on("error", (error) =>
    responses.fail(signal?.aborted ? abortedError(signal, error) : toServiceError(error)),
  );
  call.once("status", close);
  return {
    send(request) {
      if (open && call.writable) call.write(request);
    },
    end() {
      if (open && call.writable) call.end();
      open = false;
    },
    cancel() {
      call.cancel();
    },
    async *[Symbol.asyncIterator]() {
      try {
        yield* responses;
      } finally {
        close();
        call.cancel(); // no-op once the status arrived
      }
    },
  };
}

// An abort with a ServiceError reason (an incoming call's signal) keeps its code: a downstream call cut
// short by the upstream deadline reports DEADLINE_EXCEEDED.
function abortedError(signal: AbortSignal, cause?: unknown): ServiceError {
  const reason: unknown = signal.reason;
  if (reason instanceof ServiceError)
    return new ServiceError(reason.code, reason.message, { cause: cause ?? reason });
  const message = reason instanceof Error ? reason.message : "call aborted";
  return new ServiceError(Status.CANCELLED, `cancelled: ${message}`, { cause: cause ?? reason });
}

function toMetadata(values: CallOptions["metadata"]): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(values ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) metadata.add(key, item);
  }
  return metadata;
}
