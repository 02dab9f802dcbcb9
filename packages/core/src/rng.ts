// Seeded, splittable PRNG: xoshiro128** (32-bit ops only, so it stays fast without BigInt),
// seeded and forked through splitmix64 so nearby seeds and labels give unrelated streams.

const MASK64 = (1n << 64n) - 1n;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** Plain-JSON snapshot of a generator; feed it to setState / createRngFromState to resume a run. */
export interface RngState {
  readonly algorithm: "xoshiro128**";
  /** The four 32-bit state words, each an unsigned integer in [0, 2^32). */
  readonly s: readonly [number, number, number, number];
  /** Second Box–Muller variate waiting to be returned by normal(), or null. */
  readonly spareNormal: number | null;
}

export class Rng {
  // Stored as int32 (what Math.imul and bit ops produce); exposed as uint32.
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(state: RngState) {
    this.setState(state);
  }

  /** Next uniformly distributed integer in [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ (s1 << 9);
    this.s3 = rotl(s3, 11);
    return result;
  }

  /** Float in [0, 1) with 53 random bits (every representable multiple of 2^-53). */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Gaussian sample via Box–Muller; the second variate of each pair is cached (and part of the state). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    // 1 - uniform() lies in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(theta);
    return mean + std * r * Math.cos(theta);
  }

  /** Unbiased integer in [0, n) for a positive integer n ≤ 2^53. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_53) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^53], got ${n}`);
    }
    if (n <= TWO_POW_32) {
      // Rejection keeps the result unbiased when n does not divide 2^32.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return x % n;
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % n);
    let x = this.uniform() * TWO_POW_53;
    while (x >= limit) x = this.uniform() * TWO_POW_53;
    return x % n;
  }

  /**
   * Index sampled with probability proportional to probs[i]. Weights need not sum to 1;
   * throws RangeError on an empty list, a negative/NaN/infinite weight, or an all-zero list.
   */
  categorical(probs: ArrayLike<number>): number {
    const n = probs.length;
    if (n === 0) throw new RangeError("Rng.categorical: empty distribution");
    let total = 0;
    for (let i = 0; i < n; i++) {
      const p = probs[i];
      if (!(p >= 0 && p < Number.POSITIVE_INFINITY)) {
        throw new RangeError(`Rng.categorical: probs[${i}] = ${p} is not a finite non-negative number`);
      }
      total += p;
    }
    if (!(total > 0)) throw new RangeError("Rng.categorical: all probabilities are zero");
    if (total === Number.POSITIVE_INFINITY) throw new RangeError("Rng.categorical: probabilities overflow");
    const u = this.uniform() * total;
    let acc = 0;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const p = probs[i];
      if (p > 0) {
        acc += p;
        last = i;
        if (u < acc) return i;
      }
    }
    // Rounding can leave u ≥ acc; fall back to the last index with non-zero mass, never a zero one.
    return last;
  }

  /**
   * Independent child stream named by `label`. Pure: does not advance this generator, so
   * fork("init") from the same state always yields the same stream.
   */
  fork(label: string): Rng {
    const bytes = new TextEncoder().encode(label);
    return new Rng(deriveState(this.words(), 0x66n, bytes));
  }

  /** Independent child stream; advances this generator so successive splits differ. */
  split(): Rng {
    const words = [this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32()];
    return new Rng(deriveState(words, 0x73n, new Uint8Array(0)));
  }

  getState(): RngState {
    return { algorithm: "xoshiro128**", s: this.words(), spareNormal: this.spareNormal };
  }

  setState(state: RngState): void {
    if (state === null || typeof state !== "object" || state.algorithm !== "xoshiro128**") {
      throw new TypeError(`Rng.setState: expected an xoshiro128** state, got ${JSON.stringify(state)}`);
    }
    const s = state.s;
    if (
      !Array.isArray(s) ||
      s.length !== 4 ||
      !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)
    ) {
      throw new TypeError(`Rng.setState: s must be four uint32 words, got ${JSON.stringify(s)}`);
    }
    if (s.every((w) => w === 0)) throw new TypeError("Rng.setState: the all-zero state is degenerate");
    const spare = state.spareNormal;
    if (spare !== null && !Number.isFinite(spare)) {
      throw new TypeError(`Rng.setState: spareNormal must be a finite number or null, got ${spare}`);
    }
    this.s0 = s[0] | 0;
    this.s1 = s[1] | 0;
    this.s2 = s[2] | 0;
    this.s3 = s[3] | 0;
    this.spareNormal = spare;
  }

  private words(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }
}

/** Generator for an integer seed in [-2^63, 2^64); number and bigint spellings of a value agree. */
export function createRng(seed: number | bigint): Rng {
  if (typeof seed === "number" && !Number.isInteger(seed)) {
    throw new RangeError(`createRng: seed must be an integer, got ${seed}`);
  }
  const big = BigInt(seed);
  if (big < -(1n << 63n) || big >= 1n << 64n) {
    throw new RangeError(`createRng: seed must fit in 64 bits, got ${big}`);
  }
  return new Rng(expandSeed(BigInt.asUintN(64, big)));
}

export function createRngFromState(state: RngState): Rng {
  return new Rng(state);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function splitmix64(state: bigint): { state: bigint; value: bigint } {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return { state: next, value: z ^ (z >> 31n) };
}

function expandSeed(seed: bigint): RngState {
  const a = splitmix64(seed);
  const b = splitmix64(a.state);
  let s: [number, number, number, number] = [
    Number(a.value & 0xffffffffn),
    Number(a.value >> 32n),
    Number(b.value & 0xffffffffn),
    Number(b.value >> 32n),
  ];
  // Astronomically unlikely, but xoshiro must never start from all zeros.
  if (s.every((w) => w === 0)) s = [1, 0, 0, 0];
  return { algorithm: "xoshiro128**", s, spareNormal: null };
}

// FNV-1a (64-bit) over domain tag, state words and label; splitmix64 then whitens the result.
function deriveState(words: readonly number[], domain: bigint, label: Uint8Array): RngState {
  let h = 0xcbf29ce484222325n;
  const mix = (byte: bigint) => {
    h = ((h ^ byte) * 0x100000001b3n) & MASK64;
  };
  mix(domain);
  for (const w of words) for (let k = 0; k < 32; k += 8) mix(BigInt((w >>> k) & 0xff));
  for (const byte of label) mix(BigInt(byte));
  return expandSeed(h);
}
