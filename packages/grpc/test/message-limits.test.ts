import { encodeProbs } from "@distillspec/proto";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceError, Status } from "../src/index.js";
import { type Harness, startTarget } from "./fixtures.js";

// 8 MiB: over grpc-js's own 4 MiB default, under the kit's 64 MiB.
const BIG_PROBS = 2 * 1024 * 1024;

describe("message size limits", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("passes messages over grpc-js's 4 MiB default in both directions", async () => {
    harness = await startTarget({
      createSession: (request) => ({ length: request.tokens.length }),
      teacherScore: () => ({ probs: [encodeProbs(new Float32Array(BIG_PROBS).fill(0.5))] }),
    });
    const tokens = new Array<number>(2_000_000).fill(100_000); // 3 bytes each: ~6 MB
    expect((await harness.client.createSession({ tokens })).length).toBe(tokens.length);
    const response = await harness.client.teacherScore({});
    expect(response.probs[0].byteLength).toBe(BIG_PROBS * 4);
  });

  it("fails a request over the server's cap with RESOURCE_EXHAUSTED", async () => {
    harness = await startTarget({}, { maxReceiveMessageBytes: 1024 });
    const error = await harness.client
      .createSession({ tokens: new Array(2_000).fill(7) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe(Status.RESOURCE_EXHAUSTED);
    // Small requests still pass.
    expect((await harness.client.createSession({ tokens: [1, 2] })).length).toBe(2);
  });

  it("fails a response over the client's cap with RESOURCE_EXHAUSTED", async () => {
    harness = await startTarget(
      { teacherScore: () => ({ probs: [encodeProbs(new Float32Array(1024))] }) },
      {},
      { maxReceiveMessageBytes: 1024 },
    );
    const error = await harness.client.teacherScore({}).catch((e: unknown) => e);
    expect((error as ServiceError).code).toBe(Status.RESOURCE_EXHAUSTED);
  });

  it("fails a response over the server's send cap with RESOURCE_EXHAUSTED", async () => {
    harness = await startTarget(
      { teacherScore: () => ({ probs: [encodeProbs(new Float32Array(1024))] }) },
      { maxSendMessageBytes: 1024 },
    );
    const error = await harness.client.teacherScore({}).catch((e: unknown) => e);
    expect((error as ServiceError).code).toBe(Status.RESOURCE_EXHAUSTED);
  });
});
