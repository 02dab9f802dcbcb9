import type { ModelConfig } from "./config.js";

// One sequence's key/value cache: per layer a [capacity, width] buffer, filled from the front, so the
// first `length` rows are one contiguous block that can be fed to the graph without copying.
// Rolling back after a rejected draft is `truncate`, never a re-prefill.

/** A sequence longer than the context: bad input, so services answer INVALID_ARGUMENT. */
export class CacheFullError extends Error {
  override name = "CacheFullError";
  readonly status = "INVALID_ARGUMENT";
}

export class KvCache {
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  private used = 0;

  constructor(
    readonly config: ModelConfig,
    readonly capacity = config.contextLength,
  ) {
    const size = capacity * config.width;
    this.keys = Array.from({ length: config.layers }, () => new Float32Array(size));
    this.values = Array.from({ length: config.layers }, () => new Float32Array(size));
  }

  get length(): number {
    return this.used;
  }

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
