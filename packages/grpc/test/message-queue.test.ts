import { describe, expect, it } from "vitest";
import { MessageQueue } from "../src/message-queue.js";

describe("MessageQueue", () => {
  it("delivers items pushed before and after next(), then ends", async () => {
    const q = new MessageQueue<number>();
    q.push(1);
    const pending = q.next();
    expect(await pending).toEqual({ value: 1, done: false });
    const waiting = q.next();
    q.push(2);
    expect(await waiting).toEqual({ value: 2, done: false });
    q.push(3);
    q.end();
    q.push(4); // after the end: dropped
    const seen: number[] = [];
    for await (const x of q) seen.push(x);
    expect(seen).toEqual([3]);
  });

  it("delivers queued items before the failure, then throws it, also to a waiting reader", async () => {
    const q = new MessageQueue<string>();
    q.push("a");
    q.fail(new Error("boom"));
    q.end(); // the first of end/fail wins
    expect(await q.next()).toEqual({ value: "a", done: false });
    await expect(q.next()).rejects.toThrow("boom");
    const r = new MessageQueue<string>();
    const waiting = r.next();
    r.fail(new Error("late"));
    await expect(waiting).rejects.toThrow("late");
  });

  it("refuses a second concurrent next() and ends on return()", async () => {
    const q = new MessageQueue<number>();
    const first = q.next();
    await expect(q.next()).rejects.toThrow("one next() at a time");
    q.push(7);
    expect(await first).toEqual({ value: 7, done: false });
    q.push(8);
    expect(await q.return()).toEqual({ value: undefined, done: true });
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });
});
