import { Client, credentials } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../src/index.js";
import { type Harness, startTarget } from "./fixtures.js";

// Bytes that are not a valid protobuf message for the method: the caller's mistake, so INVALID_ARGUMENT
// (grpc-js alone would answer INTERNAL), and the server keeps serving.

describe("malformed requests", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it.each([
    ["unary", "/distillspec.v1.TargetVerifierService/Score", "unary"],
    ["server-streaming", "/distillspec.v1.TargetVerifierService/Generate", "stream"],
    ["bidi-streaming", "/distillspec.v1.TargetVerifierService/ScoreSession", "bidi"],
  ] as const)("%s: INVALID_ARGUMENT naming the message type", async (_kind, path, shape) => {
    harness = await startTarget({ createSession: () => ({ length: 1 }) });
    const raw = new Client(harness.address, credentials.createInsecure());
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0x07]); // a truncated varint field key
    const identity = (x: Buffer) => x;
    const status = await new Promise<{ code: number; details: string }>((resolve) => {
      if (shape === "unary") {
        raw.makeUnaryRequest(path, identity, identity, garbage, (error) =>
          resolve({ code: error?.code ?? Status.OK, details: error?.details ?? "" }),
        );
      } else if (shape === "bidi") {
        const stream = raw.makeBidiStreamRequest(path, identity, identity);
        stream.write(garbage);
        stream.on("data", () => {});
        stream.on("error", (error: { code: number; details: string }) => resolve(error));
        stream.on("end", () => resolve({ code: Status.OK, details: "" }));
      } else {
        const stream = raw.makeServerStreamRequest(path, identity, identity, garbage);
        stream.on("data", () => {});
        stream.on("error", (error: { code: number; details: string }) => resolve(error));
        stream.on("end", () => resolve({ code: Status.OK, details: "" }));
      }
    });
    raw.close();
    expect(status.code).toBe(Status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/malformed distillspec\.v1\./);
    expect((await harness.client.createSession({ tokens: [1] })).length).toBe(1);
  });
});
