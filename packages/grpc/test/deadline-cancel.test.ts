import { TargetVerifierService } from "@distillspec/proto";
import { afterEach, describe, expect, it } from "vitest";
import {
  createClient,
  createServer,
  downstreamCallOptions,
  ServiceError,
  Status,
  timeRemainingMs,
} from "../src/index.js";
import { aborted, deferred, fakeTargetVerifier, type Harness, sleep, startTarget } from "./fixtures.js";

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(
    () => {
      throw new Error("call succeeded");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  return error as ServiceError;
}

describe("deadlines and cancellation", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("fails a slow call with DEADLINE_EXCEEDED and aborts the handler's signal", async () => {
    const reason = deferred<unknown>();
    let deadline = 0;
    harness = await startTarget({
      createSession: async (_request, context) => {
        deadline = context.deadline;
        reason.resolve(await aborted(context.signal));
        return { sessionId: "late" };
      },
    });
    const started = Date.now();
    const error = await failure(harness.client.createSession({ tokens: [1] }, { timeoutMs: 200 }));
    expect(error.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(deadline).toBeGreaterThan(started);
    // Plus the time the request took to reach the server (loaded CI machines).
    expect(deadline).toBeLessThanOrEqual(started + 1_000);
    const serverReason = await reason.promise;
    expect(serverReason).toBeInstanceOf(ServiceError);
    expect((serverReason as ServiceError).code).toBe(Status.DEADLINE_EXCEEDED);
  });

  it("uses the client's default deadline when the call sets none", async () => {
    harness = await startTarget(
      { truncate: async (_request, context) => ({ length: Math.round(timeRemainingMs(context)) }) },
      {},
      { timeoutMs: 5_000 },
    );
    const { length } = await harness.client.truncate({ sessionId: "s" });
    expect(length).toBeGreaterThan(3_000);
    expect(length).toBeLessThanOrEqual(5_000);
  });

  it("aborts the server-side signal when the client aborts a unary call", async () => {
    const reason = deferred<unknown>();
    const started = deferred<void>();
    harness = await startTarget({
      score: async (_request, context) => {
        started.resolve();
        reason.resolve(await aborted(context.signal));
        return {};
      },
    });
    const controller = new AbortController();
    const call = failure(harness.client.score({ sessionId: "s" }, { signal: controller.signal }));
    await started.promise;
    controller.abort();
    expect((await call).code).toBe(Status.CANCELLED);
    expect(((await reason.promise) as ServiceError).code).toBe(Status.CANCELLED);
  });

  it("rejects at once when the signal is already aborted", async () => {
    harness = await startTarget();
    const error = await failure(harness.client.info({}, { signal: AbortSignal.abort() }));
    expect(error.code).toBe(Status.CANCELLED);
  });

  it("cancels a stream when the consumer stops early, running the generator's cleanup", async () => {
    const cleanedUp = deferred<boolean>();
    harness = await startTarget({
      generate: async function* (_request, context) {
        try {
          for (let i = 0; ; i++) {
            yield { tokenIds: [i] };
            await sleep(5);
          }
        } finally {
          cleanedUp.resolve(context.signal.aborted);
        }
      },
    });
    const received: number[] = [];
    for await (const response of harness.client.generate({})) {
      received.push(...response.tokenIds);
      if (received.length === 3) break;
    }
    expect(received).toEqual([0, 1, 2]);
    expect(await cleanedUp.promise).toBe(true);
  });

  it("cancels a stream through an AbortSignal", async () => {
    const reason = deferred<unknown>();
    harness = await startTarget({
      generate: async function* (_request, context) {
        yield { tokenIds: [1] };
        reason.resolve(await aborted(context.signal));
      },
    });
    const controller = new AbortController();
    const error = await failure(
      (async () => {
        for await (const _ of harness!.client.generate({}, { signal: controller.signal })) controller.abort();
      })(),
    );
    expect(error.code).toBe(Status.CANCELLED);
    expect(((await reason.promise) as ServiceError).code).toBe(Status.CANCELLED);
  });

  it("propagates the deadline and cancellation to a downstream call", async () => {
    // Downstream: reports the deadline it was given, then waits to be cancelled.
    const downstreamAborted = deferred<unknown>();
    let downstreamDeadline = 0;
    const downstream = createServer({
      name: "downstream",
      services: [
        {
          service: TargetVerifierService,
          implementation: fakeTargetVerifier({
            info: async (_request, context) => {
              downstreamDeadline = context.deadline;
              downstreamAborted.resolve(await aborted(context.signal));
              return {};
            },
          }),
        },
      ],
    });
    const downstreamPort = await downstream.listen("127.0.0.1:0");
    const downstreamClient = createClient(TargetVerifierService, `127.0.0.1:${downstreamPort}`);
    let upstreamDeadline = 0;
    harness = await startTarget({
      info: async (_request, context) => {
        upstreamDeadline = context.deadline;
        return downstreamClient.info({}, downstreamCallOptions(context, { marginMs: 500 }));
      },
    });
    try {
      const error = await failure(harness.client.info({}, { timeoutMs: 1_500 }));
      expect(error.code).toBe(Status.DEADLINE_EXCEEDED);
      // The downstream deadline is the upstream one less the margin, give or take the time on the wire.
      expect(Math.abs(downstreamDeadline - (upstreamDeadline - 500))).toBeLessThan(200);
      const reason = (await downstreamAborted.promise) as ServiceError;
      expect([Status.DEADLINE_EXCEEDED, Status.CANCELLED]).toContain(reason.code);
    } finally {
      downstreamClient.$close();
      await downstream.shutdown(200);
    }
  });

  it("derives downstream options from a context", () => {
    const signal = new AbortController().signal;
    const now = Date.now();
    const bounded = downstreamCallOptions({ deadline: now + 1_000, signal }, { marginMs: 100 });
    expect(bounded.signal).toBe(signal);
    expect(bounded.deadline).toBeGreaterThanOrEqual(now + 890);
    expect(bounded.deadline).toBeLessThanOrEqual(now + 900);
    const capped = downstreamCallOptions(
      { deadline: Number.POSITIVE_INFINITY, signal },
      { maxTimeoutMs: 500 },
    );
    expect(capped.deadline).toBeLessThanOrEqual(Date.now() + 500);
    const unbounded = downstreamCallOptions({ deadline: Number.POSITIVE_INFINITY, signal });
    expect(unbounded.deadline).toBe(Number.POSITIVE_INFINITY);
    const expired = downstreamCallOptions({ deadline: now - 10, signal });
    expect(expired.deadline).toBeGreaterThanOrEqual(now);
  });
});
