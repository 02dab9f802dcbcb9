import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ControllerService,
  grpcServiceDefinition,
  Health,
  TargetVerifierService,
  TokenSequenceSchema,
} from "../src/index.js";

describe("grpcServiceDefinition", () => {
  it("maps every method to its gRPC path and streaming kind", () => {
    const definition = grpcServiceDefinition(TargetVerifierService);
    expect(Object.keys(definition).sort()).toEqual(
      [
        "createSession",
        "generate",
        "info",
        "release",
        "score",
        "scoreSession",
        "teacherScore",
        "truncate",
      ].sort(),
    );
    expect(definition.score.path).toBe("/distillspec.v1.TargetVerifierService/Score");
    expect(definition.score.originalName).toBe("Score");
    expect([definition.score.requestStream, definition.score.responseStream]).toEqual([false, false]);
    expect([definition.generate.requestStream, definition.generate.responseStream]).toEqual([false, true]);
    expect([definition.scoreSession.requestStream, definition.scoreSession.responseStream]).toEqual([
      true,
      true,
    ]);
    expect(grpcServiceDefinition(Health).watch.path).toBe("/grpc.health.v1.Health/Watch");
  });

  it("serializes messages and plain init objects alike", () => {
    const { generate } = grpcServiceDefinition(ControllerService);
    const request = generate.requestDeserialize(
      generate.requestSerialize({
        prompt: { case: "tokenIds", value: create(TokenSequenceSchema, { tokens: [1, 2, 3] }) },
        maxNewTokens: 8,
      } as never),
    );
    expect(request.$typeName).toBe("distillspec.v1.GenerateRequest");
    expect(request.maxNewTokens).toBe(8);
    expect(request.prompt.case === "tokenIds" && request.prompt.value.tokens).toEqual([1, 2, 3]);
    const again = generate.requestDeserialize(generate.requestSerialize(request));
    expect(again).toEqual(request);
  });
});
