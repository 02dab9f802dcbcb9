import {
  createSession,
  floatTensor,
  int64Tensor,
  type OrtSession,
  type SessionOptions,
} from "@distillspec/graph";
import type * as ort from "onnxruntime-node";
import { type ModelConfig, validateConfig } from "./config.js";
import { buildInferenceModel } from "./inference-graph.js";
import { CacheFullError, KvCache } from "./kv-cache.js";
import { parameterCount, type Weights } from "./weight-spec.js";

// Runs the inference graph in onnxruntime-node against KV caches held in JS. Several sequences can be
// extended in one ORT run (batched verification): shorter caches are padded and masked out.

const MASKED = -1e9;

export interface ExtendRequest {
  cache: KvCache;
  tokens: readonly number[];
}

export interface ExtendResult {
  /** Logits for every new position, [tokens.length, vocab]. */
  logits: Float32Array;
}

export class ModelRunner {
  private constructor(
    readonly config: ModelConfig,
    private readonly session: OrtSession,
  ) {}

  static async create(
    config: ModelConfig,
    weights: Weights,
    options: SessionOptions = {},
  ): Promise<ModelRunner> {
    validateConfig(config);
    const session = await createSession(buildInferenceModel(config, weights), options);
    return new ModelRunner(config, session);
  }

  get parameterCount(): number {
    return parameterCount(this.config);
  }

  createCache(capacity = this.config.contextLength): KvCache {
    return new KvCache(this.config, capacity);
  }

  /** Feeds `tokens` after what `cache` holds, appends their keys/values, returns their logits. */
  async extend(cache: KvCache, tokens: readonly number[]): Promise<Float32Array> {
    const [result] = await this.extendBatch([{ cache, tokens }]);
    return result.logits;
  }

  async extendBatch(requests: readonly ExtendRequest[]): Promise<ExtendResult[]> {
    const { vocabSize: vocab, width, layers, contextLength } = this.config;
    if (requests.length === 0) return [];
    for (const { cache, tokens } of requests) this.validate(cache, tokens);
    const batch = requests.length;
    const newLen = Math.max(...requests.map((r) => r.tokens.length));
    const pastLen = Math.max(...requests.map((r) => r.cache.length));
    const total = pastLen + newLen;

    const ids = new BigInt64Array(batch * newLen);
    const positions = new BigInt64Array(batch * newLen);
    const mask = new Float32Array(batch * newLen * total).fill(MASKED);
    requests.forEach(({ cache, tokens }, i) => {
      const past = cache.length;
      for (let j = 0; j < newLen; j++) {
        const row = (i * newLen + j) * total;
        ids[i * newLen + j] = BigInt(j < tokens.length ? tokens[j] : 0);
        positions[i * newLen + j] = BigInt(Math.min(past + j, contextLength - 1));
        mask.fill(0, row, row + past); // the sequence's own cached tokens
        mask.fill(0, row + pastLen, row + pastLen + j + 1); // new tokens up to and including itself
      }
    });

    const feeds: Record<string, ort.Tensor> = {
      ids: int64Tensor(ids, [batch, newLen]),
      positions: int64Tensor(positions, [batch, newLen]),
      mask: floatTensor(mask, [batch, 1, newLen, total]),
    };
    for (let l = 0; l < layers; l++) {
      feeds[`past_keys_${l}`] = floatTensor(
        this.gatherPast(requests, pastLen, (c) => c.keys[l]),
        [batch, pastLen, width],
      );
      feeds[`past_values_${l}`] = floatTensor(
        this.gatherPast(requests, pastLen, (c) => c.values[l]),
        [batch, pastLen, width],
      );
    }
    const out = await this.session.run(feeds);
    const logits = out.logits.data as Float32Array;
    const newKeys = Array.from({ length: layers }, (_, l) => out[`new_keys_${l}`].data as Float32Array);
    const newValues = Array.from({ length: layers }, (_, l) => out[`new_values_${l}`].data as Float32Array);

    return requests.map(({ cache, tokens }, i) => {
      const rows = (data: Float32Array) =>
        data.subarray(i * newLen * width, (i * newLen + tokens.length) * width);
      cache.append(newKeys.map(rows), newValues.map(rows), tokens.length);
      return { logits: logits.slice(i * newLen * vocab, (i * newLen + tokens.length) * vocab) };
    });
  }

  /** Throws (RangeError, CacheFullError) when `tokens` cannot extend `cache`; nothing is modified. */
  validate(cache: KvCache, tokens: readonly number[], pastLength = cache.length): void {
    if (cache.config.width !== this.config.width || cache.config.layers !== this.config.layers) {
      throw new Error("KV cache belongs to a model with a different shape");
    }
    if (tokens.length === 0) throw new RangeError("extend needs at least one token");
    for (const [i, t] of tokens.entries()) {
      if (!Number.isInteger(t) || t < 0 || t >= this.config.vocabSize) {
        throw new RangeError(
          `token id ${t} at position ${i} is outside the vocabulary [0, ${this.config.vocabSize})`,
        );
      }
    }
    if (pastLength + tokens.length > cache.capacity) {
      throw new CacheFullError(
        `sequence of ${pastLength + tokens.length} tokens exceeds the context length ${cache.capacity}`,
      );
    }
  }

  /** [batch, pastLen, width]: a zero-copy view for one sequence, a padded copy for several. */
  private gatherPast(
    requests: readonly ExtendRequest[],
    pastLen: number,
    pick: (c: KvCache) => Float32Array,
  ) {
    const width = this.config.width;
    if (requests.length === 1) return pick(requests[0].cache).subarray(0, pastLen * width);
    const out = new Float32Array(requests.length * pastLen * width);
    requests.forEach(({ cache }, i) => {
      out.set(pick(cache).subarray(0, cache.length * width), i * pastLen * width);
    });
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
