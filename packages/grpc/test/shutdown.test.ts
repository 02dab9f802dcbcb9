import { afterEach, describe, expect, it } from "vitest";
import { installSignalHandlers, ServiceError, Status } from "../src/index.js";
import { aborted, deferred, type Harness, sleep, startTarget } from "./fixtures.js";

describe("graceful shutdown", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("lets an in-flight call finish, then refuses new calls", async () => {
    const started = deferred();
    harness = await startTarget({
      truncate: async (request) => {
        started.resolve();
        await sleep(300);
        return { length: request.length };
      },
    });
    const inFlight = harness.client.truncate({ sessionId: "s", length: 42 });
    await started.promise;
    const begun = Date.now();
    const shutdown = harness.server.shutdown(5_000);
    expect(harness.server.shutdown()).toBe(shutdown);
    expect((await inFlight).length).toBe(42);
    await shutdown;
    expect(Date.now() - begun).toBeLessThan(2_000);
    const error = await harness.client.info({}, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe(Status.UNAVAILABLE);
  });

  it("lets an in-flight stream finish", async () => {
    const started = deferred();
    harness = await startTarget({
      generate: async function* () {
        started.resolve();
        for (let i = 0; i < 5; i++) {
          await sleep(50);
          yield { tokenIds: [i] };
        }
      },
    });
    const received: number[] = [];
    const consuming = (async () => {
      for await (const response of harness!.client.generate({})) received.push(...response.tokenIds);
    })();
    await started.promise;
    await harness.server.shutdown(5_000);
    await consuming;
    expect(received).toEqual([0, 1, 2, 3, 4]);
  });

  it("cancels calls still running when the grace period ends", async () => {
    const reason = deferred<unknown>();
    const started = deferred();
    harness = await startTarget({
      score: async (_request, context) => {
        started.resolve();
        reason.resolve(await aborted(context.signal));
        return {};
      },
    });
    const inFlight = harness.client.score({ sessionId: "s" }).catch((e: unknown) => e);
    await started.promise;
    const begun = Date.now();
    await harness.server.shutdown(300);
    expect(Date.now() - begun).toBeGreaterThanOrEqual(250);
    expect(Date.now() - begun).toBeLessThan(2_000);
    expect(((await reason.promise) as ServiceError).code).toBe(Status.CANCELLED);
    expect(await inFlight).toBeInstanceOf(ServiceError);
  });

  it("shuts down on a signal once handlers are installed", async () => {
    harness = await startTarget();
    const stopped = deferred();
    const uninstall = installSignalHandlers(harness.server, {
      signals: ["SIGUSR2"],
      exit: false,
      onShutdown: () => stopped.resolve(),
    });
    try {
      process.emit("SIGUSR2", "SIGUSR2");
      await stopped.promise;
      expect(harness.server.isShuttingDown).toBe(true);
    } finally {
      uninstall();
    }
    expect(process.listenerCount("SIGUSR2")).toBe(0);
  });
});
