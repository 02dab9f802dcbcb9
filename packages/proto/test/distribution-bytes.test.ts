import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DistributionSchema, decodeProbs, encodeProbs, ScoreResponseSchema } from "../src/index.js";

describe("encodeProbs / decodeProbs", () => {
  it("writes little-endian float32", () => {
    const bytes = encodeProbs(new Float32Array([1, 0.5]));
    expect([...bytes]).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x3f]);
  });

  it("encodes a Float32Array view at an offset", () => {
    const backing = new Float32Array([9, 0.25, 0.75, 9]);
    const decoded = decodeProbs(encodeProbs(backing.subarray(1, 3)));
    expect([...decoded]).toEqual([0.25, 0.75]);
  });

  it.each([0, 1, 2, 3, 5, 7])("decodes bytes at byte offset %i and copies them", (offset) => {
    const probs = new Float32Array([0.1, 0.2, 0.3, 0.4, Number.NaN, -0, 1e-30]);
    const encoded = encodeProbs(probs);
    const backing = new Uint8Array(offset + encoded.length + 3);
    backing.set(encoded, offset);
    const view = backing.subarray(offset, offset + encoded.length);
    const decoded = decodeProbs(view);
    expect(decoded.length).toBe(probs.length);
    for (let i = 0; i < probs.length; i++) expect(Object.is(decoded[i], probs[i])).toBe(true);
    // A copy: later writes to the receive buffer do not leak in.
    backing.fill(0xff);
    expect(decoded[0]).toBeCloseTo(0.1, 6);
  });

  it("rejects a length that is not a multiple of 4", () => {
    expect(() => decodeProbs(new Uint8Array(6))).toThrow(RangeError);
  });

  it("survives a protobuf round trip where bytes land at odd offsets", () => {
    const probs = [new Float32Array([0.5, 0.25, 0.25]), new Float32Array([1, 0, 0, 0, 0])];
    const response = create(ScoreResponseSchema, {
      distributions: probs.map((p, i) =>
        create(DistributionSchema, { probs: encodeProbs(p), tokenIds: i ? [] : [3, 7, 9] }),
      ),
      length: 5,
    });
    const wire = toBinary(ScoreResponseSchema, response);
    // Shift the wire bytes by one so every decoded `bytes` view sits at an odd offset.
    const shifted = new Uint8Array(wire.length + 1);
    shifted.set(wire, 1);
    const decoded = fromBinary(ScoreResponseSchema, shifted.subarray(1));
    expect(decoded.distributions.some((d) => d.probs.byteOffset % 4 !== 0)).toBe(true);
    expect(decoded.distributions.map((d) => [...decodeProbs(d.probs)])).toEqual(probs.map((p) => [...p]));
    expect(decoded.distributions[0].tokenIds).toEqual([3, 7, 9]);
  });
});
