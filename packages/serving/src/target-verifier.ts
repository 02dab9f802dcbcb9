import {
  createRng,
  processLogits,
  type SamplingParams,
  sampleToken,
  validateSamplingParams,
} from "@distillspec/core";
import {
  type Checkpoint,
  checkSampleRequest,
  DEFAULT_MODEL_SERVICE_OPTIONS,
  ExtendBatcher,
  type KvCache,
  ModelRunner,
  type ModelServiceOptions,
  parameterCount,
  promptSeed,
  SessionStore,
} from "@distillspec/model";

// The target model behind sessions: prefill, score a draft block in one forward pass, truncate, release;
// plus target-only decoding (the baseline) and teacher scoring for distillation. Transport-free: the
// gRPC service adapts this to the wire.

export type TargetVerifierOptions = ModelServiceOptions;

export interface Timing {
  forwardNs: bigint;
  queueNs: bigint;
  forwardCalls: number;
}

export interface ScoreResult extends Timing {
  /** The processed target distribution after each fed token. */
  distributions: Float32Array[];
  length: number;
  batchSize: number;
}

export class TargetVerifier {
  private readonly sessions: SessionStore<KvCache>;
  private readonly batcher: ExtendBatcher;
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    readonly checkpoint: Checkpoint,
    readonly runner: ModelRunner,
    readonly options: TargetVerifierOptions,
  ) {
    this.sessions = new SessionStore<KvCache>(options);
    this.batcher = new ExtendBatcher(runner, options.maxBatch);
    this.sweeper = setInterval(() => this.sessions.sweep(), Math.max(1000, options.idleTtlMs / 4));
    this.sweeper.unref();
  }

  static async create(
    checkpoint: Checkpoint,
    options: Partial<TargetVerifierOptions> = {},
  ): Promise<TargetVerifier> {
    const resolved = { ...DEFAULT_MODEL_SERVICE_OPTIONS, ...options };
    const runner = await ModelRunner.create(checkpoint.config, checkpoint.weights, {
      intraOpThreads: resolved.threads,
    });
    return new TargetVerifier(checkpoint, runner, resolved);
  }

  get config() {
    return this.checkpoint.config;
  }

  info() {
    return {
      name: this.config.name,
      parameterCount: parameterCount(this.config),
      vocabSize: this.config.vocabSize,
      tokenizerIdentity: this.checkpoint.tokenizerIdentity,
      contextLength: this.config.contextLength,
      activeSessions: this.sessions.size,
    };
  }

  /**
   * Opens a session and prefills it under the session's lock (SessionStore.open): a Release that arrives
   * during the prefill still finds it, and a caller that gave up (`signal`) leaves nothing behind.
   */
  async createSession(
    tokens: readonly number[],
    requestedId?: string,
    signal?: AbortSignal,
  ): Promise<{ sessionId: string; length: number } & Timing> {
    const cache = this.runner.createCache();
    if (tokens.length > 0) this.runner.validate(cache, tokens);
    const { sessionId, result } = await this.sessions.open(
      cache,
      cache.byteSize,
      requestedId,
      async () => (tokens.length > 0 ? this.batcher.extend(cache, tokens) : undefined),
      signal,
    );
    return {
      sessionId,
      length: cache.length,
      forwardNs: result?.forwardNs ?? 0n,
      queueNs: result?.queueNs ?? 0n,
      forwardCalls: result ? 1 : 0,
    };
  }

  /** Feeds `tokens` (after truncating to `truncateTo` if given) and returns a distribution after each. */
  async score(
    sessionId: string,
    tokens: readonly number[],
    sampling: SamplingParams,
    truncateTo?: number,
  ): Promise<ScoreResult> {
    const params = validateSamplingParams(sampling);
    if (tokens.length === 0) throw new RangeError("score needs at least one token");
    if (tokens.length > this.options.maxGamma + 2) {
      throw new RangeError(
        `score takes at most ${this.options.maxGamma + 2} tokens (γ ≤ ${this.options.maxGamma}), got ${tokens.length}`,
      );
    }
    return this.sessions.withSession(sessionId, async (cache) => {
      // Validate everything before touching the cache, so a refused call leaves the session as it was.
      if (truncateTo !== undefined) this.checkTruncate(cache, truncateTo);
      this.runner.validate(cache, tokens, truncateTo ?? cache.length);
      if (truncateTo !== undefined) cache.truncate(truncateTo);
      const result = await this.batcher.extend(cache, tokens);
      const vocab = this.config.vocabSize;
      const distributions = tokens.map((_, i) =>
        processLogits(result.logits.subarray(i * vocab, (i + 1) * vocab), params),
      );
      return {
        distributions,
        length: cache.length,
        batchSize: result.batchSize,
        forwardNs: result.forwardNs,
        queueNs: result.queueNs,
        forwardCalls: 1,
      };
    });
  }

  private checkTruncate(cache: KvCache, length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > cache.length) {
      throw new RangeError(`cannot truncate a session of ${cache.length} tokens to ${length}`);
    }
  }

  async truncate(sessionId: string, length: number): Promise<number> {
    return this.sessions.withSession(sessionId, async (cache) => {
      this.checkTruncate(cache, length);
      cache.truncate(length);
      return cache.length;
    });
  }

  release(sessionId: string): void {
    this.sessions.release(sessionId);
  }

  /** Target-only decoding, one token per forward pass: the baseline. Yields each token as it is chosen. */
  async *generate(
    prompt: readonly number[],
    maxNewTokens: number,
    sampling: SamplingParams & { seed?: bigint | number },
    stopTokenIds: readonly number[] = [],
    signal?: AbortSignal,
  ): AsyncGenerator<{ tokenId: number } & Timing> {
    const params = validateSamplingParams(sampling);
    if (prompt.length === 0) throw new RangeError("prompt must not be empty");
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
      throw new RangeError(`max new tokens must be a positive integer, got ${maxNewTokens}`);
    }
    const cache = this.runner.createCache();
    this.runner.validate(cache, prompt);
    this.sessions.reserve(cache.byteSize);
    const rng = createRng(sampling.seed ?? 0);
    const vocab = this.config.vocabSize;
    let result = await this.batcher.extend(cache, prompt);
    let row = prompt.length - 1;
    const room = Math.min(maxNewTokens, this.config.contextLength - prompt.length);
    for (let produced = 0; produced < room; produced++) {
      if (signal?.aborted) return;
      const probs = processLogits(result.logits.subarray(row * vocab, (row + 1) * vocab), params);
      const tokenId = sampleToken(probs, rng);
      yield { tokenId, forwardNs: result.forwardNs, queueNs: result.queueNs, forwardCalls: 1 };
      if (stopTokenIds.includes(tokenId) || produced + 1 >= room) return;
      result = await this.batcher.extend(cache, [tokenId]);
      row = 0;
    }
  }

  /**
   * Teacher data: a continuation per prompt, each decoded by `generate` (so it equals `generate` run alone
   * with seed promptSeed(seed, index)); the prompts run concurrently so the batcher shares forward passes.
   * A continuation ends after a stop token (kept), `maxNewTokens` tokens or the context end.
   */
  async sample(
    prompts: readonly (readonly number[])[],
    maxNewTokens: number,
    sampling: SamplingParams & { seed?: bigint | number },
    stopTokenIds: readonly number[] = [],
  ): Promise<number[][]> {
    validateSamplingParams(sampling);
    const { contextLength, vocabSize } = this.config;
    checkSampleRequest(prompts, maxNewTokens, stopTokenIds, contextLength, vocabSize);
    // Admit the whole request against the memory budget up front (generate checks one cache at a time).
    this.sessions.reserve(prompts.length * this.runner.createCache().byteSize);
    const seed = BigInt(sampling.seed ?? 0);
    const sampleOne = async (prompt: readonly number[], index: number): Promise<number[]> => {
      const out: number[] = [];
      const steps = this.generate(
        prompt,
        maxNewTokens,
        { ...sampling, seed: promptSeed(seed, index) },
        stopTokenIds,
      );
      for await (const step of steps) out.push(step.tokenId);
      return out;
    };
    const results = await Promise.allSettled(prompts.map(sampleOne));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<number[]>).value);
  }

  /** Teacher distributions softmax(logits / T) at every position of each sequence. */
  async teacherScore(
    sequences: readonly (readonly number[])[],
    temperature: number,
  ): Promise<Float32Array[]> {
    if (!(temperature > 0) || !Number.isFinite(temperature)) {
      throw new RangeError(`teacher temperature must be a finite number > 0, got ${temperature}`);
    }
    const caches = sequences.map((tokens) => {
      if (tokens.length === 0) throw new RangeError("teacher sequences must not be empty");
      const cache = this.runner.createCache();
      this.runner.validate(cache, tokens);
      return cache;
    });
    const vocab = this.config.vocabSize;
    const results = await Promise.all(sequences.map((tokens, i) => this.batcher.extend(caches[i], tokens)));
    return results.map((r, i) => {
      const out = new Float32Array(sequences[i].length * vocab);
      for (let t = 0; t < sequences[i].length; t++) {
        out.set(processLogits(r.logits.subarray(t * vocab, (t + 1) * vocab), { temperature }), t * vocab);
      }
      return out;
    });
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.runner.release();
  }
}
