// IEEE 754 binary16 <-> binary32 conversion (Node 20 has no Float16Array / Math.f16round).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round-to-nearest-even; subnormals kept, overflow → ±Infinity, NaN stays NaN (sign and top payload bits kept). */
export function float32ToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32BitsToFloat16(values[i]);
  return out;
}

/** Exact: every binary16 value is representable in binary32. */
export function float16ToFloat32(halves: Uint16Array): Float32Array {
  const table = decodeTable();
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]];
  return out;
}

function float32BitsToFloat16(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;

  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    // Force the quiet bit so a NaN whose payload lives only in the low bits cannot become Infinity.
    return sign | 0x7e00 | (mant >>> 13);
  }

  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;

  if (e <= 0) {
    // Below half the smallest subnormal (2^-25) everything rounds to zero.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    // A carry out of the subnormal range yields 0x0400, the smallest normal: still correct.
    return sign | half;
  }

  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  // A carry into the exponent is correct too, and reaching 0x7c00 means overflow to Infinity.
  return sign | half;
}

let table: Float32Array | undefined;

// 65536 entries (256 KiB) built once: decoding a checkpoint then costs one lookup per value.
function decodeTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) {
      // Zero or subnormal: mant · 2^-24 is exact in binary32.
      table[h] = (sign ? -1 : 1) * mant * 2 ** -24;
    } else if (exp === 0x1f) {
      bits[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
    } else {
      bits[h] = (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
    }
  }
  return table;
}
