import {
  createRng,
  processLogits,
  type SamplingParams,
  sampleToken,
  validateSamplingParams,
} from "@distillspec/core";
import {
  assertSameTokenizer,
  type Checkpoint,
  checkSampleRequest,
  DEFAULT_MODEL_SERVICE_OPTIONS,
  ExtendBatcher,
  type KvCache,
  loadCheckpoint,
  ModelRunner,
  type ModelServiceOptions,
  parameterCount,
  promptSeed,
  readCheckpointBytes,
  SessionStore,
} from "@distillspec/model";

// The draft model behind sessions: propose γ tokens with their distributions in one call, truncate,
// release; hot-reload a new checkpoint. A session stays on the model version that built its cache (a
// cache computed by old weights is meaningless to new ones), so a reload never disturbs a running
// generation; the old model is freed once its last session is gone.

export type DraftProposerOptions = ModelServiceOptions;

interface ModelSlot {
  version: number;
  checkpoint: Checkpoint;
  runner: ModelRunner;
  batcher: ExtendBatcher;
}

interface DraftSession {
  cache: KvCache;
  slot: ModelSlot;
}

export interface ProposeResult {
  tokenIds: number[];
  distributions: Float32Array[];
  length: number;
  forwardNs: bigint;
  queueNs: bigint;
  forwardCalls: number;
  modelVersion: number;
}

export class DraftProposer {
  private readonly sessions: SessionStore<DraftSession>;
  private readonly retired = new Set<ModelSlot>();
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    private current: ModelSlot,
    readonly options: DraftProposerOptions,
  ) {
    this.sessions = new SessionStore<DraftSession>(options);
    this.sweeper = setInterval(() => void this.sweep(), Math.max(1000, options.idleTtlMs / 4));
    this.sweeper.unref();
  }

  static async create(
    checkpoint: Checkpoint,
    options: Partial<DraftProposerOptions> = {},
  ): Promise<DraftProposer> {
    const resolved = { ...DEFAULT_MODEL_SERVICE_OPTIONS, ...options };
    return new DraftProposer(await DraftProposer.slot(checkpoint, 1, resolved), resolved);
  }

  private static async slot(
    checkpoint: Checkpoint,
    version: number,
    options: DraftProposerOptions,
  ): Promise<ModelSlot> {
    const runner = await ModelRunner.create(checkpoint.config, checkpoint.weights, {
      intraOpThreads: options.threads,
    });
    return { version, checkpoint, runner, batcher: new ExtendBatcher(runner, options.maxBatch) };
  }

  get checkpoint(): Checkpoint {
    return this.current.checkpoint;
  }

  get modelVersion(): number {
    return this.current.version;
  }

  info() {
    const config = this.current.checkpoint.config;
    return {
      name: config.name,
      parameterCount: parameterCount(config),
      vocabSize: config.vocabSize,
      tokenizerIdentity: this.current.checkpoint.tokenizerIdentity,
      contextLength: config.contextLength,
      modelVersion: this.current.version,
      activeSessions: this.sessions.size,
    };
  }

  /** Opens a session and prefills it (see TargetVerifier.createSession). */
  async createSession(
    tokens: readonly number[],
    requestedId?: string,
    signal?: AbortSignal,
  ): Promise<{ sessionId: string; length: number; forwardNs: bigint }> {
    const slot = this.current;
    const cache = slot.runner.createCache();
    if (tokens.length > 0) slot.runner.validate(cache, tokens);
    const { sessionId, result } = await this.sessions.open(
      { cache, slot },
      cache.byteSize,
      requestedId,
      async () => (tokens.length > 0 ? slot.batcher.extend(cache, tokens) : undefined),
      signal,
    );
    return { sessionId, length: cache.length, forwardNs: result?.forwardNs ?? 0n };
  }

  /**
   * Feeds `tokens` (after truncating to `truncateTo`), then samples γ tokens one after another. The cache
   * ends holding everything but the last proposed token.
   */
  async propose(
    sessionId: string,
    tokens: readonly number[],
    gamma: number,
    sampling: SamplingParams & { seed?: bigint | number },
    truncateTo?: number,
  ): Promise<ProposeResult> {
    const params = validateSamplingParams(sampling);
    if (!Number.isInteger(gamma) || gamma < 1 || gamma > this.options.maxGamma) {
      throw new RangeError(`gamma must be an integer in [1, ${this.options.maxGamma}], got ${gamma}`);
    }
    if (tokens.length === 0) throw new RangeError("propose needs at least one new token");
    return this.sessions.withSession(sessionId, async ({ cache, slot }) => {
      const { runner, batcher } = slot;
      const past = truncateTo ?? cache.length;
      if (!Number.isInteger(past) || past < 0 || past > cache.length) {
        throw new RangeError(`cannot truncate a session of ${cache.length} tokens to ${truncateTo}`);
      }
      // Validate the whole call (new tokens plus γ−1 fed proposals) before changing the cache.
      runner.validate(cache, [...tokens, ...new Array<number>(gamma - 1).fill(0)], past);
      cache.truncate(past);
      const vocab = runner.config.vocabSize;
      const rng = createRng(sampling.seed ?? 0);
      const tokenIds: number[] = [];
      const distributions: Float32Array[] = [];
      let forwardNs = 0n;
      let queueNs = 0n;
      let feed: readonly number[] = tokens;
      for (let i = 0; i < gamma; i++) {
        const result = await batcher.extend(cache, feed);
        forwardNs += result.forwardNs;
        queueNs += result.queueNs;
        const last = feed.length - 1;
        const q = processLogits(result.logits.subarray(last * vocab, (last + 1) * vocab), params);
        const token = sampleToken(q, rng);
        tokenIds.push(token);
        distributions.push(q);
        feed = [token];
        if (i === gamma - 1) break;
      }
      return {
        tokenIds,
        distributions,
        length: cache.length,
        forwardNs,
        queueNs,
        forwardCalls: gamma,
        modelVersion: slot.version,
      };
    });
  }

  /**
   * Samples a continuation for every prompt with the current model (on-policy data for distillation).
   * The prompts run concurrently so the batcher packs their steps into shared forward passes; each has its
   * own RNG seeded from (request seed, prompt index), so the output does not depend on how steps were
   * batched. A continuation ends after a stop token (kept), `maxNewTokens` tokens or the context end.
   * The request holds a hidden session while it runs: it is admitted against the session memory budget,
   * and a reload cannot free the model it samples from.
   */
  async sample(
    prompts: readonly (readonly number[])[],
    maxNewTokens: number,
    sampling: SamplingParams & { seed?: bigint | number },
    stopTokenIds: readonly number[] = [],
  ): Promise<number[][]> {
    const params = validateSamplingParams(sampling);
    const slot = this.current;
    const { runner, batcher } = slot;
    const { contextLength, vocabSize: vocab } = runner.config;
    checkSampleRequest(prompts, maxNewTokens, stopTokenIds, contextLength, vocab);
    const seed = BigInt(sampling.seed ?? 0);
    // Sized to what each sequence can reach, not the whole context, so large requests stay cheap.
    const caches = prompts.map((prompt) =>
      runner.createCache(prompt.length + Math.min(maxNewTokens, contextLength - prompt.length)),
    );
    const bytes = caches.reduce((sum, cache) => sum + cache.byteSize, 0);
    const holdId = this.sessions.add({ cache: caches[0], slot }, bytes);
    const stops = new Set(stopTokenIds);
    const sampleOne = async (prompt: readonly number[], index: number): Promise<number[]> => {
      const cache = caches[index];
      const rng = createRng(promptSeed(seed, index));
      const room = cache.capacity - prompt.length;
      const out: number[] = [];
      let feed: readonly number[] = prompt;
      for (;;) {
        const { logits } = await batcher.extend(cache, feed);
        const last = feed.length - 1;
        const token = sampleToken(
          processLogits(logits.subarray(last * vocab, (last + 1) * vocab), params),
          rng,
        );
        out.push(token);
        if (stops.has(token) || out.length >= room) return out;
        feed = [token];
      }
    };
    try {
      return await this.sessions.withSession(holdId, async () => {
        // allSettled: on a failure, still wait for the other prompts before the hold (and the model) goes.
        const results = await Promise.allSettled(prompts.map(sampleOne));
        const failed = results.find((r) => r.status === "rejected");
        if (failed) throw failed.reason;
        return results.map((r) => (r as PromiseFulfilledResult<number[]>).value);
      });
    } finally {
      this.sessions.release(holdId);
    }
  }

  async truncate(sessionId: string, length: number): Promise<number> {
    return this.sessions.withSession(sessionId, async ({ cache }) => {
      if (!Number.isInteger(length) || length < 0 || length > cache.length) {
        throw new RangeError(`cannot truncate a session of ${cache.length} tokens to ${length}`);
      }
      cache.truncate(length);
      return cache.length;
    });
  }

  release(sessionId: string): void {
    this.sessions.release(sessionId);
    void this.sweep();
  }

  /**
   * Swaps in the checkpoint at `source` (a path, or the file's bytes) for new sessions; refuses a checkpoint
   * with another tokenizer.
   */
  async reload(source: string | Uint8Array): Promise<ReturnType<DraftProposer["info"]>> {
    const checkpoint =
      typeof source === "string" ? await loadCheckpoint(source) : readCheckpointBytes(source, "(sent bytes)");
    assertSameTokenizer(checkpoint, this.current.checkpoint, ["new draft", "serving draft"]);
    const slot = await DraftProposer.slot(checkpoint, this.current.version + 1, this.options);
    this.retired.add(this.current);
    this.current = slot;
    await this.sweep();
    return this.info();
  }

  /** Expires idle sessions and frees retired models no session uses any more. */
  private async sweep(): Promise<void> {
    this.sessions.sweep();
    const inUse = new Set(this.sessions.values().map((s) => s.slot));
    for (const slot of this.retired) {
      if (!inUse.has(slot)) {
        this.retired.delete(slot);
        await slot.runner.release();
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const slot of [...this.retired, this.current]) await slot.runner.release();
  }
}
