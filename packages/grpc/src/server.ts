import type { DescService } from "@bufbuild/protobuf";
import type { GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { grpcServiceDefinition } from "@distillspec/proto";
import {
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServerOptions,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { HealthRegistry, ServingStatus } from "./health-registry.js";
import { createHealthService } from "./health-service.js";
import { type MessageLimits, messageLimitOptions } from "./message-limits.js";
import { addReflection } from "./reflection.js";
import {
  type AnyBidiStreaming,
  type AnyServerStreaming,
  type AnyUnary,
  type InternalErrorListener,
  wrapBidiStreaming,
  wrapServerStreaming,
  wrapUnary,
} from "./server-handlers.js";
import type { ServiceRegistration } from "./service-implementation.js";

export interface ServerConfig<S extends readonly GenServiceMethods[] = readonly GenServiceMethods[]>
  extends MessageLimits {
  /** Shown in logs. */
  name: string;
  /**
   * Services to serve, `{ service, implementation }` each (or from `defineService`); every handler is
   * type-checked against its method.
   */
  services: { readonly [I in keyof S]: ServiceRegistration<S[I]> };
  /** Default grace period of `shutdown()` in ms (default 10 000). */
  shutdownGraceMs?: number;
  /**
   * Time between reporting NOT_SERVING and refusing new calls on shutdown, so load balancers and health
   * probes notice first (default 0).
   */
  drainDelayMs?: number;
  /** Serve grpc.reflection (default true). */
  reflection?: boolean;
  /** Told of every error that becomes INTERNAL; default logs it to stderr with its stack. */
  onInternalError?: InternalErrorListener;
  /** Extra grpc-js server options (keepalive, ...). */
  grpcOptions?: ServerOptions;
}

/** A gRPC server with health checking, reflection and graceful shutdown. */
export class GrpcServer {
  readonly name: string;
  /** Serving status per service; set NOT_SERVING while e.g. a model loads. */
  readonly health = new HealthRegistry();
  private readonly server: Server;
  private readonly shutdownGraceMs: number;
  private readonly drainDelayMs: number;
  private shutdownPromise: Promise<void> | undefined;

  // biome-ignore lint/suspicious/noExplicitAny: registrations of different services; createServer checks each
  constructor(config: ServerConfig<readonly any[]>) {
    this.name = config.name;
    this.shutdownGraceMs = config.shutdownGraceMs ?? 10_000;
    this.drainDelayMs = config.drainDelayMs ?? 0;
    this.server = new Server({ ...messageLimitOptions(config), ...config.grpcOptions });
    const onInternalError =
      config.onInternalError ??
      ((error: unknown, method: string) => console.error(`[${this.name}] ${method} failed:`, error));

    const registrations: ServiceRegistration[] = [...config.services, createHealthService(this.health)];
    for (const { service, implementation } of registrations) {
      this.server.addService(
        reportSerializeErrors(grpcServiceDefinition(service), onInternalError),
        wrapHandlers(service, implementation, onInternalError),
      );
      this.health.set(service.typeName, ServingStatus.SERVING);
    }
    this.health.set("", ServingStatus.SERVING);
    if (config.reflection ?? true) {
      addReflection(
        this.server,
        registrations.map((registration) => registration.service as DescService),
      );
    }
  }

  /** Binds an address such as "0.0.0.0:50051" or "127.0.0.1:0" and returns the bound port. */
  listen(address: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
        if (error) reject(error);
        else resolve(port);
      });
    });
  }

  get isShuttingDown(): boolean {
    return this.shutdownPromise !== undefined;
  }

  /**
   * Graceful shutdown: report NOT_SERVING, wait `drainDelayMs`, refuse new calls and let in-flight ones
   * finish; calls still running `graceMs` after the start are cancelled. Idempotent.
   */
  shutdown(graceMs = this.shutdownGraceMs): Promise<void> {
    this.shutdownPromise ??= this.drain(graceMs);
    return this.shutdownPromise;
  }

  /** Cancels every call and closes every connection now. */
  forceShutdown(): void {
    this.health.shutdown();
    this.server.forceShutdown();
  }

  private async drain(graceMs: number): Promise<void> {
    const started = Date.now();
    this.health.shutdown();
    if (this.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.drainDelayMs));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(
        () => {
          // In-flight calls see their signal abort with CANCELLED.
          this.server.forceShutdown();
          resolve();
        },
        Math.max(0, graceMs - (Date.now() - started)),
      );
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Creates a server for `config.services` plus grpc.health.v1 and reflection; call `listen()` next. */
export function createServer<const S extends readonly GenServiceMethods[]>(
  config: ServerConfig<S>,
): GrpcServer {
  return new GrpcServer(config);
}

// grpc-js turns a response it cannot serialize into INTERNAL without a trace; tell the listener why.
function reportSerializeErrors(
  definition: ServiceDefinition,
  onInternalError: InternalErrorListener,
): ServiceDefinition {
  const reporting: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(definition)) {
    reporting[key] = {
      ...method,
      responseSerialize: (value) => {
        try {
          return method.responseSerialize(value);
        } catch (error) {
          onInternalError(error, method.path);
          throw error;
        }
      },
    };
  }
  return reporting;
}

function wrapHandlers(
  service: DescService,
  implementation: Record<string, unknown>,
  onInternalError: InternalErrorListener,
): UntypedServiceImplementation {
  const handlers: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = implementation[method.localName];
    if (typeof handler !== "function") {
      throw new TypeError(`${service.typeName}: no handler for ${method.name}`);
    }
    const bound = handler.bind(implementation);
    switch (method.methodKind) {
      case "unary":
        handlers[method.localName] = wrapUnary(method, bound as AnyUnary, onInternalError);
        break;
      case "server_streaming":
        handlers[method.localName] = wrapServerStreaming(
          method,
          bound as AnyServerStreaming,
          onInternalError,
        );
        break;
      case "bidi_streaming":
        handlers[method.localName] = wrapBidiStreaming(method, bound as AnyBidiStreaming, onInternalError);
        break;
      default:
        throw new TypeError(
          `${service.typeName}.${method.name}: ${method.methodKind} methods are not supported`,
        );
    }
  }
  return handlers;
}
