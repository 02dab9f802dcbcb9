import { describe, expect, it } from "vitest";
import { float16ToFloat32, float32ToFloat16 } from "../src/float16.js";

const enc = (x: number) => float32ToFloat16(new Float32Array([x]))[0];
const dec = (h: number) => float16ToFloat32(new Uint16Array([h]))[0];

// Oracle independent of the bit-twiddling encoder: positive finite halves 0x0000..0x7bff are
// increasing in value, so the nearest one is found by binary search with ties going to the even pattern.
const positiveHalves = Array.from({ length: 0x7c00 }, (_, h) => dec(h));
function oracle(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65520 = halfway between 65504 and 2^16 rounds up to Infinity
  let lo = 0;
  let hi = 0x7bff;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (positiveHalves[mid] <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - positiveHalves[lo];
  const dHi = positiveHalves[hi] - a;
  const h = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return sign | h;
}

describe("float32ToFloat16", () => {
  it("encodes known bit patterns", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff], // largest finite half
      [2 ** -14, 0x0400], // smallest normal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [2 ** -24, 0x0001], // smallest subnormal
      [Number.POSITIVE_INFINITY, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
    ];
    for (const [x, h] of cases) expect(enc(x).toString(16), `encode ${x}`).toBe(h.toString(16));
  });

  it("rounds to nearest, ties to even, in normal and subnormal ranges", () => {
    expect(enc(1 + 2 ** -11)).toBe(0x3c00); // tie → even (down)
    expect(enc(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(enc(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(enc(2049)).toBe(0x6800); // 2049 sits between 2048 and 2050
    expect(enc(2 ** -25)).toBe(0x0000); // half the smallest subnormal: tie → 0
    expect(enc(1.5 * 2 ** -25)).toBe(0x0001);
    expect(enc(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal units → 2
    expect(enc(-(2 ** -26))).toBe(0x8000); // underflow keeps the sign
    expect(enc(1e-40)).toBe(0x0000); // float32 subnormal input
    expect(enc(2 ** -14 - 2 ** -26)).toBe(0x0400); // subnormal rounding carries into the smallest normal
  });

  it("overflows to infinity", () => {
    expect(enc(65519)).toBe(0x7bff);
    expect(enc(65520)).toBe(0x7c00);
    expect(enc(-1e6)).toBe(0xfc00);
    expect(enc(3.4e38)).toBe(0x7c00);
  });

  it("keeps NaN as NaN, including NaNs whose payload is only in the low bits", () => {
    const f = new Float32Array(2);
    new Uint32Array(f.buffer).set([0x7fc00000, 0x7f800001]);
    for (const h of float32ToFloat16(f)) {
      expect(h & 0x7c00).toBe(0x7c00);
      expect(h & 0x03ff).not.toBe(0);
    }
  });

  it("agrees with a nearest-value oracle on random bit patterns and on values near half boundaries", () => {
    const f = new Float32Array(60_000);
    const bits = new Uint32Array(f.buffer);
    let s = 12345;
    for (let i = 0; i < 40_000; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      bits[i] = s;
    }
    // Bias the rest towards the interesting range (|x| < 2^17) including exact ties.
    for (let i = 40_000; i < 60_000; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const h = s & 0x7bff;
      f[i] =
        (s & 0x10000 ? -1 : 1) *
        (i % 2 === 0 ? (dec(h) + dec(h + 1)) / 2 : dec(h) * (1 + (s >>> 20) / 2 ** 14));
    }
    const got = float32ToFloat16(f);
    for (let i = 0; i < f.length; i++) {
      const want = oracle(f[i]);
      if (Number.isNaN(want)) expect(Number.isNaN(dec(got[i]))).toBe(true);
      else if (got[i] !== want) expect.fail(`f32 bits ${bits[i].toString(16)}: got ${got[i]}, want ${want}`);
    }
  });
});

describe("float16ToFloat32", () => {
  it("decodes known bit patterns", () => {
    expect(dec(0x3c00)).toBe(1);
    expect(dec(0xc000)).toBe(-2);
    expect(dec(0x7bff)).toBe(65504);
    expect(dec(0x0001)).toBe(2 ** -24);
    expect(dec(0x03ff)).toBe(1023 * 2 ** -24);
    expect(dec(0x0400)).toBe(2 ** -14);
    expect(Object.is(dec(0x8000), -0)).toBe(true);
    expect(dec(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(dec(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(dec(0x7e00))).toBe(true);
    expect(Number.isNaN(dec(0xfc01))).toBe(true);
  });

  it("round-trips every non-NaN half exactly", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16(float16ToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      const nan = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (nan) expect(Number.isNaN(dec(back[h]))).toBe(true);
      else if (back[h] !== h) expect.fail(`half 0x${h.toString(16)} came back as 0x${back[h].toString(16)}`);
    }
  });

  it("float32 → float16 → float32 error is within half an ulp", () => {
    const n = 50_000;
    const x = new Float32Array(n);
    let s = 7;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      // log-uniform magnitudes over the whole half range, both signs
      x[i] = (s & 1 ? -1 : 1) * 2 ** (-30 + ((s >>> 1) / 2 ** 31) * 45.9);
    }
    const y = float16ToFloat32(float32ToFloat16(x));
    for (let i = 0; i < n; i++) {
      const a = Math.abs(x[i]);
      const err = Math.abs(y[i] - x[i]);
      // Normal range: relative error ≤ 2^-11; subnormal range: absolute error ≤ 2^-25.
      const bound = a >= 2 ** -14 ? a * 2 ** -11 : 2 ** -25;
      if (err > bound) expect.fail(`${x[i]} → ${y[i]}: error ${err} > ${bound}`);
    }
  });
});
