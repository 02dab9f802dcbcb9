import type { DescMethod, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { CallContext } from "./call-context.js";

type Method = Pick<DescMethod, "input" | "output" | "methodKind">;

/** Answers once: return the response (a message or a plain init object) or throw. */
export type UnaryHandler<M extends Method> = (
  request: MessageShape<M["input"]>,
  context: CallContext,
) => Promise<MessageInitShape<M["output"]>> | MessageInitShape<M["output"]>;

/**
 * Yields the responses; returning ends the stream with OK, throwing ends it with the error's status.
 * The kit stops iterating once the call is cancelled, but only at a `yield`: long waits between yields
 * should watch `context.signal`.
 */
export type ServerStreamingHandler<M extends Method> = (
  request: MessageShape<M["input"]>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<M["output"]>>;

/**
 * Reads the requests and yields the responses, interleaved as the protocol of the method says. The
 * requests end when the client half-closes; returning ends the stream with OK, throwing with the
 * error's status. A cancelled call ends `requests` with its abort reason.
 */
export type BidiStreamingHandler<M extends Method> = (
  requests: AsyncIterable<MessageShape<M["input"]>>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<M["output"]>>;

/** Handlers for every method of a service, keyed like the generated service (`createSession`, ...). */
export type ServiceImplementation<T extends GenServiceMethods> = {
  [K in keyof T]: T[K]["methodKind"] extends "unary"
    ? UnaryHandler<T[K]>
    : T[K]["methodKind"] extends "server_streaming"
      ? ServerStreamingHandler<T[K]>
      : T[K]["methodKind"] extends "bidi_streaming"
        ? BidiStreamingHandler<T[K]>
        : never; // client streaming: no distillspec RPC needs it, so the kit does not serve it.
};

/** The method map of a generated service, e.g. `ServiceMethods<typeof TargetVerifierService>`. */
export type ServiceMethods<S> = S extends GenService<infer T> ? T : never;

/** A service and its handlers, ready for `createServer({ services: [...] })`. */
export interface ServiceRegistration<T extends GenServiceMethods = GenServiceMethods> {
  readonly service: GenService<T>;
  readonly implementation: ServiceImplementation<T>;
}

/** Pairs a service with its handlers, type-checking each handler against its method. */
export function defineService<T extends GenServiceMethods>(
  service: GenService<T>,
  implementation: ServiceImplementation<T>,
): ServiceRegistration<T> {
  return { service, implementation };
}
