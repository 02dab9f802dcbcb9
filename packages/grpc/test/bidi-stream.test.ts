import { decodeProbs } from "@distillspec/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LockstepStream, ServiceError, Status } from "../src/index.js";
import { aborted, deferred, fakeReleases, type Harness, sleep, startTarget } from "./fixtures.js";

const open = (sessionId: string, tokens = [1, 2]) => ({
  step: { case: "open" as const, value: { sessionId, tokens } },
});
const score = (tokens: number[], sessionId = "") => ({
  step: { case: "score" as const, value: { tokens, sessionId } },
});

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(
    () => {
      throw new Error("request succeeded");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  return error as ServiceError;
}

/** Waits until the server recorded `n` releases (they happen as the server ends the stream). */
async function releases(n: number): Promise<string[]> {
  for (let i = 0; i < 200 && fakeReleases.length < n; i++) await sleep(10);
  return [...fakeReleases];
}

describe("bidi streams and session streams over loopback", () => {
  let harness: Harness | undefined;
  beforeEach(() => {
    fakeReleases.length = 0;
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("answers each request in order on one stream, then releases the session on close", async () => {
    harness = await startTarget();
    const stream = new LockstepStream(harness.client.scoreSession());
    const opened = await stream.request(open("abc", [1, 2, 3]));
    expect(opened.step).toMatchObject({ case: "opened", value: { sessionId: "abc", length: 3 } });
    for (const tokens of [[3], [2, 1], [0]]) {
      const response = await stream.request(score(tokens));
      expect(response.step.case).toBe("scored");
      const scored = response.step.value as { distributions: { probs: Uint8Array }[] };
      expect(scored.distributions.map((d) => decodeProbs(d.probs)[0])).toEqual(tokens);
    }
    expect(fakeReleases).toEqual([]);
    await stream.close();
    expect(fakeReleases).toEqual(["abc"]);
  });

  it("ends the stream with INVALID_ARGUMENT on a bad step, releases the session, and stays failed", async () => {
    harness = await startTarget();
    const stream = new LockstepStream(harness.client.scoreSession());
    await stream.request(open("s-bad"));
    const error = await failure(stream.request(score([1, -1])));
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.message).toContain("outside the vocabulary");
    expect(await releases(1)).toEqual(["s-bad"]);
    expect((await failure(stream.request(score([1])))).code).toBe(Status.INVALID_ARGUMENT);
    await stream.close();
    expect(fakeReleases).toEqual(["s-bad"]);
  });

  it("rejects a stream that does not start with open, a second open, and a step naming another session", async () => {
    harness = await startTarget();
    const noOpen = new LockstepStream(harness.client.scoreSession());
    expect((await failure(noOpen.request(score([1])))).message).toContain("must open the session");
    const twice = new LockstepStream(harness.client.scoreSession());
    await twice.request(open("s2"));
    expect((await failure(twice.request(open("s3")))).message).toContain("already open");
    const other = new LockstepStream(harness.client.scoreSession());
    await other.request(open("s4"));
    const error = await failure(other.request(score([1], "someone-else")));
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.message).toContain("holds session s4, not someone-else");
    expect((await releases(2)).sort()).toEqual(["s2", "s4"]);
  });

  it("a failed open releases nothing (the session was never created)", async () => {
    harness = await startTarget();
    const stream = new LockstepStream(harness.client.scoreSession());
    expect((await failure(stream.request(open("empty", [])))).code).toBe(Status.INVALID_ARGUMENT);
    await sleep(50);
    expect(fakeReleases).toEqual([]);
  });

  it("cancelling the client call fails the pending request with CANCELLED and releases the session", async () => {
    harness = await startTarget();
    const controller = new AbortController();
    const stream = new LockstepStream(harness.client.scoreSession({ signal: controller.signal }));
    await stream.request(open("held"));
    const pending = stream.request(score([1]));
    controller.abort();
    expect((await failure(pending)).code).toBe(Status.CANCELLED);
    expect(await releases(1)).toEqual(["held"]);
  });

  it("a handler waiting on a step sees its signal abort when the client cancels", async () => {
    const serverAborted = deferred<unknown>();
    harness = await startTarget({
      scoreSession: async function* (requests, context) {
        for await (const request of requests) {
          if (request.step.case === "open") {
            yield { step: { case: "opened", value: { sessionId: "slow" } } };
            continue;
          }
          serverAborted.resolve(await aborted(context.signal)); // a step that never finishes by itself
        }
      },
    });
    const controller = new AbortController();
    const stream = new LockstepStream(harness.client.scoreSession({ signal: controller.signal }));
    await stream.request(open("slow"));
    const pending = stream.request(score([1]));
    await sleep(50);
    controller.abort();
    expect((await failure(pending)).code).toBe(Status.CANCELLED);
    expect(((await serverAborted.promise) as ServiceError).code).toBe(Status.CANCELLED);
  });

  it("a stream past its deadline fails with DEADLINE_EXCEEDED and its session is released", async () => {
    harness = await startTarget();
    const stream = new LockstepStream(harness.client.scoreSession({ timeoutMs: 300 }));
    await stream.request(open("short"));
    await sleep(500);
    const error = await failure(stream.request(score([1])));
    expect(error.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(await releases(1)).toEqual(["short"]);
  });

  it("refuses a second request while one is pending", async () => {
    harness = await startTarget();
    const stream = new LockstepStream(harness.client.scoreSession());
    await stream.request(open("one"));
    const first = stream.request(score([1]));
    await expect(stream.request(score([2]))).rejects.toThrow("one request at a time");
    await first;
    await stream.close();
  });
});
