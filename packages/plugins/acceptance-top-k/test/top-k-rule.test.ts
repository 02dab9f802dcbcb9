import { PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { describe, expect, it } from "vitest";
import topK, { createTopKRule, rankOf } from "../src/index.js";

const P = [0.1, 0.3, 0.3, 0.2, 0.1, 0];

function acceptedSet(k: number, p: number[] = P): number[] {
  const rule = createTopKRule({ k });
  return p.map((_, token) => token).filter((token) => rule.accept({ token, p, q: p, r: 0.5, position: 0 }));
}

describe("top-k plugin definition", () => {
  it("is an acceptance-rule plugin named after its package", () => {
    expect(topK.kind).toBe("acceptance-rule");
    expect(topK.id).toBe("top-k");
    expect(topK.meta).toEqual({
      name: "@distillspec/acceptance-top-k",
      version: "0.1.0",
      apiVersion: PLUGIN_API_VERSION,
    });
    expect(topK.create({ k: 3 }).id).toBe("top-k:3");
  });
});

describe("top-k option validation", () => {
  it.each([
    [undefined, /options must be an object/],
    [null, /options must be an object/],
    [{}, /option "k" must be a positive integer, got undefined/],
    [{ k: 0 }, /option "k" .* got 0/],
    [{ k: -2 }, /option "k" .* got -2/],
    [{ k: 1.5 }, /option "k" .* got 1.5/],
    [{ k: "2" }, /option "k" .* got "2"/],
    [{ k: Number.POSITIVE_INFINITY }, /option "k" .* got Infinity/],
    [{ k: 2, epsilon: 0.1 }, /unknown option "epsilon"/],
  ])("rejects %j", (options, message) => {
    expect(() => createTopKRule(options)).toThrow(RangeError);
    expect(() => createTopKRule(options)).toThrow(message);
  });
});

describe("top-k accept decisions", () => {
  it("ranks by probability, ties to the lower id", () => {
    expect(P.map((_, t) => rankOf(P, t))).toEqual([3, 0, 1, 2, 4, 5]);
  });

  it.each([
    [1, [1]],
    [2, [1, 2]],
    [3, [1, 2, 3]],
    [4, [0, 1, 2, 3]],
    [5, [0, 1, 2, 3, 4]],
    // p(x) = 0 stays rejected even when k covers the whole vocabulary
    [6, [0, 1, 2, 3, 4]],
    [100, [0, 1, 2, 3, 4]],
  ])("k = %i accepts %j", (k, expected) => {
    expect(acceptedSet(k)).toEqual(expected);
  });

  it("k = 1 accepts exactly the argmax, whatever q and r", () => {
    const rule = createTopKRule({ k: 1 });
    for (const r of [0, 0.999]) {
      expect(rule.accept({ token: 1, p: P, q: [1, 0, 0, 0, 0, 0], r, position: 0 })).toBe(true);
      expect(rule.accept({ token: 2, p: P, q: [0, 0, 1, 0, 0, 0], r, position: 0 })).toBe(false);
    }
  });
});
