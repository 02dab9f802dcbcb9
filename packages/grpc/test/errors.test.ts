import { afterEach, describe, expect, it } from "vitest";
import {
  deadlineExceeded,
  failedPrecondition,
  internal,
  invalidArgument,
  notFound,
  resourceExhausted,
  ServiceError,
  Status,
  toServiceError,
  unavailable,
} from "../src/index.js";
import { type Harness, startTarget } from "./fixtures.js";

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return error as ServiceError;
  }
  throw new Error("call succeeded");
}

describe("error mapping", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it.each([
    ["invalidArgument", invalidArgument, Status.INVALID_ARGUMENT],
    ["notFound", notFound, Status.NOT_FOUND],
    ["failedPrecondition", failedPrecondition, Status.FAILED_PRECONDITION],
    ["resourceExhausted", resourceExhausted, Status.RESOURCE_EXHAUSTED],
    ["unavailable", unavailable, Status.UNAVAILABLE],
    ["deadlineExceeded", deadlineExceeded, Status.DEADLINE_EXCEEDED],
    ["internal", internal, Status.INTERNAL],
  ] as const)("%s becomes its status with the message kept", async (name, helper, code) => {
    harness = await startTarget({
      truncate: (request) => {
        throw helper(`${name}: length ${request.length} is wrong ✗`);
      },
    });
    const error = await failure(harness.client.truncate({ sessionId: "s", length: 7 }));
    expect(error.code).toBe(code);
    expect(error.message).toBe(`${name}: length 7 is wrong ✗`);
    expect(error.details).toBe(error.message);
  });

  it("maps a ServiceError thrown by a streaming handler, after some responses", async () => {
    harness = await startTarget({
      generate: async function* () {
        yield { tokenIds: [1] };
        throw notFound("session gone");
      },
    });
    const received: number[] = [];
    const error = await failure(
      (async () => {
        for await (const response of harness!.client.generate({ maxNewTokens: 3 }))
          received.push(...response.tokenIds);
      })(),
    );
    expect(received).toEqual([1]);
    expect([error.code, error.message]).toEqual([Status.NOT_FOUND, "session gone"]);
  });

  it("turns an unknown error in a streaming handler into INTERNAL", async () => {
    harness = await startTarget({
      generate: async function* () {
        yield { tokenIds: [1] };
        throw new TypeError("index 9 out of range");
      },
    });
    const error = await failure(
      (async () => {
        for await (const _ of harness!.client.generate({})) {
        }
      })(),
    );
    expect([error.code, error.message]).toEqual([Status.INTERNAL, "index 9 out of range"]);
    expect(harness.internalErrors).toHaveLength(1);
  });

  it("sends trailing metadata of a ServiceError", async () => {
    harness = await startTarget({
      info: () => {
        const error = unavailable("warming up");
        error.metadata.set("retry-after-ms", "250");
        throw error;
      },
    });
    const error = await failure(harness.client.info({}));
    expect(error.metadata.get("retry-after-ms")).toEqual(["250"]);
  });

  it("turns an unknown error into INTERNAL with its message and keeps serving", async () => {
    harness = await startTarget({
      createSession: () => {
        throw new TypeError("cannot read properties of undefined");
      },
      release: async () => {
        await Promise.resolve();
        throw "a thrown string";
      },
    });
    const error = await failure(harness.client.createSession({ tokens: [1] }));
    expect([error.code, error.message]).toEqual([Status.INTERNAL, "cannot read properties of undefined"]);
    const stringError = await failure(harness.client.release({ sessionId: "s" }));
    expect([stringError.code, stringError.message]).toEqual([Status.INTERNAL, "a thrown string"]);
    expect(harness.internalErrors).toHaveLength(2);
    // The process and the server are fine.
    expect((await harness.client.info({})).model?.name).toBe("fake-target");
  });

  it("turns an invalid response into INTERNAL instead of crashing", async () => {
    harness = await startTarget({
      truncate: (request) =>
        request.length === 1 ? ({ length: "seven" } as never) : { length: request.length },
    });
    const error = await failure(harness.client.truncate({ sessionId: "s", length: 1 }));
    expect(error.code).toBe(Status.INTERNAL);
    expect(harness.internalErrors).toHaveLength(1);
    expect((await harness.client.truncate({ sessionId: "s", length: 2 })).length).toBe(2);
  });

  it("reports an unreachable server as UNAVAILABLE", async () => {
    harness = await startTarget();
    const address = harness.address;
    await harness.close();
    harness = undefined;
    const { createClient } = await import("../src/index.js");
    const { TargetVerifierService } = await import("@distillspec/proto");
    const client = createClient(TargetVerifierService, address, { timeoutMs: 2_000 });
    const error = await failure(client.info({}));
    expect(error.code).toBe(Status.UNAVAILABLE);
    client.$close();
  });
});

describe("errors from packages below the transport", () => {
  it("map a `status` name and RangeError (bad input) once, in toServiceError", () => {
    const named = Object.assign(new Error("unknown session s1"), { status: "NOT_FOUND" });
    expect(toServiceError(named).code).toBe(Status.NOT_FOUND);
    expect(toServiceError(new RangeError("token id 9 is outside the vocabulary")).code).toBe(
      Status.INVALID_ARGUMENT,
    );
    expect(toServiceError(Object.assign(new Error("x"), { status: "NOT_A_STATUS" })).code).toBe(
      Status.INTERNAL,
    );
  });
});
