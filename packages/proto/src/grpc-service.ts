import { create, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { MethodDefinition } from "@grpc/grpc-js";

/**
 * A request that is not valid protobuf for its method. grpc-js answers a throwing deserializer with INTERNAL,
 * but a malformed request is the caller's mistake: the deserializer returns this marker instead and the
 * server kit answers INVALID_ARGUMENT.
 */
export interface MalformedRequest {
  readonly malformedRequest: string;
}

export function isMalformedRequest(value: unknown): value is MalformedRequest {
  return typeof (value as Partial<MalformedRequest> | null)?.malformedRequest === "string";
}

/** grpc-js method definitions keyed by the protobuf-es local method name (e.g. `createSession`). */
export type GrpcServiceDefinition<T extends GenServiceMethods> = {
  readonly [K in keyof T]: MethodDefinition<MessageShape<T[K]["input"]>, MessageShape<T[K]["output"]>>;
};

/**
 * Builds the grpc-js ServiceDefinition for a protobuf-es service: @bufbuild/protobuf v2 has no grpc-js
 * generator, and the descriptor carries everything grpc-js needs.
 */
export function grpcServiceDefinition<T extends GenServiceMethods>(
  service: GenService<T>,
): GrpcServiceDefinition<T> {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    const { input, output } = method;
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      originalName: method.name,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      // create() returns an existing message as is and completes a plain init object, so callers may pass either.
      requestSerialize: (value) => toBuffer(toBinary(input, create(input, value as never))),
      requestDeserialize: (bytes): unknown => {
        try {
          return fromBinary(input, bytes);
        } catch (error) {
          return { malformedRequest: `malformed ${input.typeName}: ${(error as Error).message}` };
        }
      },
      responseSerialize: (value) => toBuffer(toBinary(output, create(output, value as never))),
      responseDeserialize: (bytes) => fromBinary(output, bytes),
    };
  }
  return definition as GrpcServiceDefinition<T>;
}

// grpc-js wants a Buffer; wrap the encoded bytes without copying.
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
