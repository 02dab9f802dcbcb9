import { describe, expect, it } from "vitest";
import { distributionFromWire, distributionToWire } from "../src/index.js";

describe("distributions on the wire", () => {
  it("sends one-hot and top-k distributions sparse, full ones dense, and restores them exactly", () => {
    const vocab = 64;
    const oneHot = new Float32Array(vocab);
    oneHot[17] = 1;
    const topK = new Float32Array(vocab);
    topK[3] = 0.5;
    topK[9] = 0.25;
    topK[60] = 0.25;
    const full = Float32Array.from({ length: vocab }, (_, i) => (i + 1) / ((vocab * (vocab + 1)) / 2));
    for (const [probs, sparse] of [
      [oneHot, true],
      [topK, true],
      [full, false],
    ] as const) {
      const wire = distributionToWire(probs);
      expect(wire.tokenIds.length > 0).toBe(sparse);
      expect(distributionFromWire({ ...wire, $typeName: "distillspec.v1.Distribution" }, vocab)).toEqual(
        probs,
      );
    }
    expect(distributionToWire(oneHot).probs.length).toBe(4);
  });

  it("rejects malformed distributions", () => {
    const message = (probs: number[], tokenIds: number[]) => ({
      $typeName: "distillspec.v1.Distribution" as const,
      probs: new Uint8Array(Float32Array.from(probs).buffer),
      tokenIds,
    });
    expect(() => distributionFromWire(message([1], []), 4)).toThrow(/dense distribution has 1 values/);
    expect(() => distributionFromWire(message([1], [1, 2]), 4)).toThrow(/1 values for 2 token ids/);
    expect(() => distributionFromWire(message([1], [9]), 4)).toThrow(/outside the vocabulary/);
  });
});
