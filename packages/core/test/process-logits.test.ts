import { describe, expect, it } from "vitest";
import { processLogits } from "../src/process-logits.js";
import { samplingParamsError, validateSamplingParams } from "../src/sampling-params.js";

/** Reference softmax(logits / T) in float64, written out independently of the implementation. */
function softmax64(logits: number[], t: number): number[] {
  const e = logits.map((l) => Math.exp(l / t));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

const f32 = (xs: number[]) => Float32Array.from(xs);

describe("processLogits: softmax with temperature", () => {
  it("matches a float64 hand computation", () => {
    // [1, 2, 3, 0.5] are exact in float32, so the only rounding is the final float32 store.
    const logits = [1, 2, 3, 0.5];
    for (const t of [0.5, 1, 2.5]) {
      const out = processLogits(f32(logits), { temperature: t });
      expect(out).toBeInstanceOf(Float32Array);
      expectClose(out, softmax64(logits, t), 7);
    }
    // softmax([0, ln 2, ln 3]) = [1, 2, 3] / 6.
    expectClose(processLogits(f32([0, Math.LN2, Math.log(3)]), { temperature: 1 }), [1 / 6, 2 / 6, 3 / 6]);
  });

  it("is numerically stable for huge logits, tiny and huge temperatures", () => {
    const e = Math.E;
    expectClose(processLogits(f32([1000, 999]), { temperature: 1 }), [e / (1 + e), 1 / (1 + e)]);
    expectClose(processLogits(f32([0.3, 0.2, 0.1]), { temperature: 1e-30 }), [1, 0, 0]);
    expectClose(processLogits(f32([5, -5, 0]), { temperature: 1e9 }), [1 / 3, 1 / 3, 1 / 3]);
  });

  it("temperature 0 is one-hot at the argmax, lowest id on ties, ignoring top-k/top-p", () => {
    expect(Array.from(processLogits(f32([0.1, 2, 0.3]), { temperature: 0 }))).toEqual([0, 1, 0]);
    expect(Array.from(processLogits(f32([3, 5, 5, -1]), { temperature: 0, topK: 1, topP: 0.1 }))).toEqual([
      0, 1, 0, 0,
    ]);
  });

  it("treats -Infinity as masked and rejects NaN, +Infinity, all-masked and empty rows", () => {
    expectClose(processLogits(f32([0, -Infinity, 0]), { temperature: 1 }), [0.5, 0, 0.5]);
    expect(Array.from(processLogits(f32([-Infinity, -2, -Infinity]), { temperature: 0 }))).toEqual([0, 1, 0]);
    expect(() => processLogits(f32([0, Number.NaN]), { temperature: 1 })).toThrow(RangeError);
    expect(() => processLogits(f32([0, Infinity]), { temperature: 1 })).toThrow(RangeError);
    expect(() => processLogits(f32([-Infinity, -Infinity]), { temperature: 0 })).toThrow(RangeError);
    expect(() => processLogits(f32([]), { temperature: 1 })).toThrow(RangeError);
  });
});

describe("processLogits: top-k", () => {
  const logits = [1, 2, 3, 0.5];
  const full = softmax64(logits, 1);

  it("keeps the k most likely tokens, renormalised", () => {
    const kept = full[1] + full[2];
    expectClose(processLogits(f32(logits), { temperature: 1, topK: 2 }), [
      0,
      full[1] / kept,
      full[2] / kept,
      0,
    ]);
    expect(Array.from(processLogits(f32(logits), { temperature: 1, topK: 1 }))).toEqual([0, 0, 1, 0]);
  });

  it("is a no-op for k ≥ vocab and k = 0", () => {
    for (const topK of [0, 4, 5, 1000]) {
      expectClose(processLogits(f32(logits), { temperature: 1, topK }), full, 7);
    }
  });

  it("breaks ties at the boundary by lower token id", () => {
    // Tokens 1, 2, 3 tie; k = 2 must keep 1 and 2.
    expectClose(processLogits(f32([0, 2, 2, 2, 1]), { temperature: 1, topK: 2 }), [0, 0.5, 0.5, 0, 0]);
    expectClose(processLogits(f32([1, 1, 1, 1]), { temperature: 0.7, topK: 3 }), [1 / 3, 1 / 3, 1 / 3, 0]);
  });

  it("never resurrects masked tokens when k exceeds the unmasked count", () => {
    expectClose(
      processLogits(f32([-Infinity, 1, -Infinity, 1]), { temperature: 1, topK: 3 }),
      [0, 0.5, 0, 0.5],
    );
  });
});

describe("processLogits: top-p", () => {
  // probs [0.5, 0.3, 0.2] (up to float32 rounding of the logs).
  const logits = [Math.log(5), Math.log(3), Math.log(2)];

  it("keeps the smallest descending prefix whose mass reaches top_p", () => {
    expectClose(processLogits(f32(logits), { temperature: 1, topP: 0.6 }), [0.625, 0.375, 0]);
    expectClose(processLogits(f32(logits), { temperature: 1, topP: 0.45 }), [1, 0, 0]);
    expectClose(processLogits(f32(logits), { temperature: 1, topP: 0.9 }), [0.5, 0.3, 0.2]);
  });

  it("always keeps at least the top token", () => {
    expectClose(processLogits(f32(logits), { temperature: 1, topP: 1e-12 }), [1, 0, 0]);
  });

  it("top_p = 1 and top_p = 0 (unset) change nothing", () => {
    for (const topP of [1, 0])
      expectClose(processLogits(f32(logits), { temperature: 1, topP }), [0.5, 0.3, 0.2]);
    // Many tiny tail tokens survive top_p = 1 even though float sums could reach 1 early.
    const tail = [0, ...new Array(50).fill(-40)];
    const out = processLogits(f32(tail), { temperature: 1, topP: 1 });
    expect(out.every((x) => x > 0)).toBe(true);
  });

  it("includes exactly the boundary token when the mass is hit exactly, ties by lower id", () => {
    // Four equal tokens: 0.25 + 0.25 = 0.5 exactly reaches 0.5 → keep ids 0 and 1 only.
    expectClose(processLogits(f32([1, 1, 1, 1]), { temperature: 1, topP: 0.5 }), [0.5, 0.5, 0, 0]);
    expectClose(processLogits(f32([1, 1, 1, 1]), { temperature: 1, topP: 0.51 }), [1 / 3, 1 / 3, 1 / 3, 0]);
  });

  it("applies to the renormalised top-k distribution (top-k first)", () => {
    // After top-k 2: [0.625, 0.375, 0]; 0.625 ≥ 0.6 keeps only token 0. Without top-k, 0.5 < 0.6 keeps two.
    expectClose(processLogits(f32(logits), { temperature: 1, topK: 2, topP: 0.6 }), [1, 0, 0]);
  });

  it("orders by probability, not by id", () => {
    expectClose(
      processLogits(f32([Math.log(2), Math.log(3), Math.log(5)]), { temperature: 1, topP: 0.6 }),
      [0, 0.375, 0.625],
    );
  });
});

describe("sampling parameter validation", () => {
  it("rejects bad values with RangeErrors naming the field", () => {
    const bad: [object, RegExp][] = [
      [{ temperature: Number.NaN }, /temperature/],
      [{ temperature: -0.1 }, /temperature/],
      [{ temperature: Infinity }, /temperature/],
      [{ temperature: "1" }, /temperature/],
      [{}, /temperature/],
      [{ temperature: 1, topK: -1 }, /topK/],
      [{ temperature: 1, topK: 1.5 }, /topK/],
      [{ temperature: 1, topK: Number.NaN }, /topK/],
      [{ temperature: 1, topP: -0.1 }, /topP/],
      [{ temperature: 1, topP: 1.01 }, /topP/],
      [{ temperature: 1, topP: Number.NaN }, /topP/],
    ];
    for (const [params, pattern] of bad) {
      const p = params as { temperature: number };
      expect(samplingParamsError(p)).toMatch(pattern);
      expect(() => validateSamplingParams(p)).toThrow(RangeError);
      expect(() => processLogits(f32([0, 1]), p)).toThrow(pattern);
    }
  });

  it("accepts valid values and resolves defaults (topK 0 = off, topP 0 → 1)", () => {
    expect(samplingParamsError({ temperature: 0, topK: 0, topP: 0 })).toBeNull();
    expect(validateSamplingParams({ temperature: 0.7 })).toEqual({ temperature: 0.7, topK: 0, topP: 1 });
    expect(validateSamplingParams({ temperature: 1, topK: 5, topP: 0 })).toEqual({
      temperature: 1,
      topK: 5,
      topP: 1,
    });
    expect(validateSamplingParams({ temperature: 1, topP: 0.9 }).topP).toBe(0.9);
  });
});
