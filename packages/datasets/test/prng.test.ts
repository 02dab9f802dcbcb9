import { describe, expect, it } from "vitest";
import { createRng, deriveSeed, shuffled } from "../src/index.js";

describe("createRng", () => {
  it("is deterministic and stays in range", () => {
    const a = createRng(42);
    const b = createRng(42);
    for (let i = 0; i < 1000; i++) {
      const x = a.next();
      expect(x).toBe(b.next());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    const rng = createRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(3, 6));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it("derives distinct seeds per stream", () => {
    expect(deriveSeed(0, "a")).not.toBe(deriveSeed(0, "b"));
    expect(deriveSeed(0, "a")).not.toBe(deriveSeed(1, "a"));
    expect(deriveSeed(3, "x")).toBe(deriveSeed(3, "x"));
  });

  it("shuffles deterministically without losing items", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const s = shuffled(items, createRng(5));
    expect(s).toEqual(shuffled(items, createRng(5)));
    expect(s).not.toEqual(items);
    expect([...s].sort((x, y) => x - y)).toEqual(items);
  });
});
