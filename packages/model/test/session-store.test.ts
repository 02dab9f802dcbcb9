import { describe, expect, it } from "vitest";
import { SessionStore } from "../src/index.js";

describe("SessionStore", () => {
  const make = (now: { t: number }) =>
    new SessionStore<string>({ maxSessions: 3, memoryBudgetBytes: 100, idleTtlMs: 1000, now: () => now.t });

  it("refuses sessions past the count and memory budgets with RESOURCE_EXHAUSTED", () => {
    const clock = { t: 0 };
    const store = make(clock);
    store.add("a", 40);
    store.add("b", 40);
    expect(() => store.add("c", 40)).toThrow(/memory budget exhausted: 80 \+ 40 bytes exceeds 100/);
    store.add("c", 10);
    expect(() => store.add("d", 1)).toThrow(/session limit reached \(3 sessions\)/);
    expect(store.size).toBe(3);
    expect(store.bytesUsed).toBe(90);
  });

  it("expires idle sessions, never busy ones, and reports unknown ids as NOT_FOUND", async () => {
    const clock = { t: 0 };
    const store = make(clock);
    const idle = store.add("idle", 10);
    const busy = store.add("busy", 10);
    let sweptWhileBusy = -1;
    await store.withSession(busy, async () => {
      clock.t = 5000;
      sweptWhileBusy = store.sweep();
    });
    expect(sweptWhileBusy).toBe(1);
    await expect(store.withSession(idle, async () => 1)).rejects.toMatchObject({ status: "NOT_FOUND" });
    expect(await store.withSession(busy, async (v) => v)).toBe("busy");
    expect(store.bytesUsed).toBe(10);
  });

  it("refuses a second concurrent call on one session", async () => {
    const store = make({ t: 0 });
    const id = store.add("s", 1);
    let release!: () => void;
    const first = store.withSession(id, () => new Promise<void>((r) => (release = r)));
    await expect(store.withSession(id, async () => 1)).rejects.toMatchObject({
      status: "FAILED_PRECONDITION",
    });
    release();
    await first;
    expect(store.release(id)).toBe("s");
    expect(store.bytesUsed).toBe(0);
  });

  it("takes caller-chosen ids and refuses duplicates with ALREADY_EXISTS", () => {
    const store = make({ t: 0 });
    expect(store.add("v", 1, "my-id")).toBe("my-id");
    expect(() => store.add("w", 1, "my-id")).toThrow(expect.objectContaining({ status: "ALREADY_EXISTS" }));
  });

  it("open drops the session when set-up fails or the caller gave up meanwhile", async () => {
    const store = make({ t: 0 });
    await expect(
      store.open("a", 1, "a", async () => {
        throw new Error("prefill failed");
      }),
    ).rejects.toThrow(/prefill failed/);
    const gaveUp = new AbortController();
    await expect(
      store.open("b", 1, "b", async () => gaveUp.abort(new Error("deadline")), gaveUp.signal),
    ).rejects.toThrow(/deadline/);
    expect(store.size).toBe(0);
    expect(await store.open("c", 1, "c", async () => 42)).toEqual({ sessionId: "c", result: 42 });
    expect(store.size).toBe(1);
  });
});
