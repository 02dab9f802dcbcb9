import type { ModelConfig } from "./config.js";

// One sequence's key/value cache: per layer a [rows, width] buffer, filled from the front, so the first
// `length` rows are one contiguous block that can be fed to the graph without copying. Buffers start
// small and double as the sequence grows (up to `capacity`): most sequences never need the whole context,
// and zeroing megabytes per session would dominate a short request. Rolling back after a rejected draft
// is `truncate`, never a re-prefill.

const INITIAL_ROWS = 64;

/** A sequence longer than the context: bad input, so services answer INVALID_ARGUMENT. */
export class CacheFullError extends Error {
  override name = "CacheFullError";
  readonly status = "INVALID_ARGUMENT";
}

export class KvCache {
  keys: Float32Array[];
  values: Float32Array[];
  private used = 0;
  private rows: number;

  constructor(
    readonly config: ModelConfig,
    readonly capacity = config.contextLength,
  ) {
    this.rows = Math.min(capacity, INITIAL_ROWS);
    const size = this.rows * config.width;
    this.keys = Array.from({ length: config.layers }, () => new Float32Array(size));
    this.values = Array.from({ length: config.layers }, () => new Float32Array(size));
  }

  /** Rows currently allocated (≤ capacity). */
  get allocatedRows(): number {
    return this.rows;
  }

  private grow(needed: number): void {
    let rows = this.rows;
    while (rows < needed) rows *= 2;
    rows = Math.min(rows, this.capacity);
    const copy = (old: Float32Array) => {
      const next = new Float32Array(rows * this.config.width);
      next.set(old.subarray(0, this.used * this.config.width));
      return next;
    };
    this.keys = this.keys.map(copy);
    this.values = this.values.map(copy);
    this.rows = rows;
  }

  get length(): number {
    return this.used;
  }

  /** Bytes at full capacity: what a memory budget must reserve for this sequence. */
  get byteSize(): number {
    return 2 * this.config.layers * this.capacity * this.config.width * 4;
  }

  /** Appends `count` rows per layer from the graph's new_keys/new_values ([count, width] each). */
  append(layerKeys: Float32Array[], layerValues: Float32Array[], count: number): void {
    if (this.used + count > this.capacity) {
      throw new CacheFullError(
        `KV cache full: ${this.used} + ${count} tokens exceeds capacity ${this.capacity}`,
      );
    }
    if (this.used + count > this.rows) this.grow(this.used + count);
    const w = this.config.width;
    for (let l = 0; l < this.config.layers; l++) {
      this.keys[l].set(layerKeys[l].subarray(0, count * w), this.used * w);
      this.values[l].set(layerValues[l].subarray(0, count * w), this.used * w);
    }
    this.used += count;
  }

  /** Forgets everything after the first `length` tokens. */
  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.used) {
      throw new RangeError(`cannot truncate a cache of ${this.used} tokens to ${length}`);
    }
    this.used = length;
  }
}
