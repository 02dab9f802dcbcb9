import { Metadata, status as Status, type StatusObject } from "@grpc/grpc-js";

export { Status };

/**
 * A failure with a gRPC status. Thrown by handlers (the kit turns it into the call's status) and by
 * clients (built from the status the server sent), so a service may rethrow a downstream error as is.
 */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
  readonly code: Status;
  /** Trailing metadata sent with (server) or received with (client) the status. */
  readonly metadata: Metadata;

  constructor(code: Status, message: string, options: { metadata?: Metadata; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.metadata = options.metadata ?? new Metadata();
  }

  /** The status name, e.g. "NOT_FOUND". */
  get codeName(): string {
    return Status[this.code] ?? `CODE_${this.code}`;
  }

  /** The status details (the message the peer sees). */
  get details(): string {
    return this.message;
  }
}

export const invalidArgument = (message: string): ServiceError =>
  new ServiceError(Status.INVALID_ARGUMENT, message);
export const notFound = (message: string): ServiceError => new ServiceError(Status.NOT_FOUND, message);
export const alreadyExists = (message: string): ServiceError =>
  new ServiceError(Status.ALREADY_EXISTS, message);
export const failedPrecondition = (message: string): ServiceError =>
  new ServiceError(Status.FAILED_PRECONDITION, message);
export const resourceExhausted = (message: string): ServiceError =>
  new ServiceError(Status.RESOURCE_EXHAUSTED, message);
export const unavailable = (message: string): ServiceError => new ServiceError(Status.UNAVAILABLE, message);
export const deadlineExceeded = (message: string): ServiceError =>
  new ServiceError(Status.DEADLINE_EXCEEDED, message);
export const cancelled = (message: string): ServiceError => new ServiceError(Status.CANCELLED, message);
export const unimplemented = (message: string): ServiceError =>
  new ServiceError(Status.UNIMPLEMENTED, message);
export const internal = (message: string, cause?: unknown): ServiceError =>
  new ServiceError(Status.INTERNAL, message, { cause });

/** True for an error a grpc-js call reports: an Error with a numeric status `code`. */
export function isGrpcStatusError(error: unknown): error is Error & Partial<StatusObject> & { code: Status } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "number";
}

/**
 * Any thrown value as a ServiceError: ServiceErrors pass through, grpc-js status errors keep their code,
 * anything else is INTERNAL with its message.
 */
export function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (isGrpcStatusError(error)) {
    return new ServiceError(error.code, error.details ?? error.message, {
      metadata: error.metadata ?? undefined,
      cause: error,
    });
  }
  const named = statusFromName(error);
  if (named !== undefined && error instanceof Error)
    return new ServiceError(named, error.message, { cause: error });
  // Validation in the model and core packages throws RangeError: that is bad input.
  if (error instanceof RangeError)
    return new ServiceError(Status.INVALID_ARGUMENT, error.message, { cause: error });
  if (error instanceof Error) return new ServiceError(Status.INTERNAL, error.message, { cause: error });
  return new ServiceError(Status.INTERNAL, String(error), { cause: error });
}

/**
 * Packages below the transport (model, core) cannot import grpc; their errors name the status they mean in
 * a `status` field (e.g. SessionError { status: "NOT_FOUND" }), and this is the one place that maps it.
 */
function statusFromName(error: unknown): Status | undefined {
  const name = (error as { status?: unknown } | null)?.status;
  if (typeof name !== "string") return undefined;
  const code = (Status as unknown as Record<string, number>)[name];
  return typeof code === "number" ? code : undefined;
}
