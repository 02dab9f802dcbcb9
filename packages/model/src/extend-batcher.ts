import type { KvCache } from "./kv-cache.js";
import type { ModelRunner } from "./model-runner.js";

// Batches concurrent cache extensions into one onnxruntime run. While a run is in flight, new requests
// queue; when it finishes, everything queued (up to maxBatch) goes in the next run. A lone request runs at
// once (after one event-loop turn, so calls that arrive together share a run).

export interface BatchedExtend {
  logits: Float32Array;
  /** Sequences in the run this request was part of. */
  batchSize: number;
  queueNs: bigint;
  forwardNs: bigint;
}

interface Pending {
  cache: KvCache;
  tokens: readonly number[];
  enqueued: bigint;
  resolve: (r: BatchedExtend) => void;
  reject: (e: unknown) => void;
}

export class ExtendBatcher {
  private readonly pending: Pending[] = [];
  private running = false;

  constructor(
    private readonly runner: ModelRunner,
    readonly maxBatch = 8,
  ) {}

  extend(cache: KvCache, tokens: readonly number[]): Promise<BatchedExtend> {
    return new Promise((resolve, reject) => {
      this.runner.validate(cache, tokens); // bad input fails alone, before it can join a batch
      this.pending.push({ cache, tokens, enqueued: process.hrtime.bigint(), resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.pending.length === 0) return;
    this.running = true;
    setImmediate(() => void this.runOnce());
  }

  private async runOnce(): Promise<void> {
    const batch = this.pending.splice(0, this.maxBatch);
    const started = process.hrtime.bigint();
    try {
      const results = await this.runner.extendBatch(batch.map((p) => ({ cache: p.cache, tokens: p.tokens })));
      const forwardNs = process.hrtime.bigint() - started;
      batch.forEach((p, i) => {
        p.resolve({
          logits: results[i].logits,
          batchSize: batch.length,
          queueNs: started - p.enqueued,
          forwardNs,
        });
      });
    } catch (error) {
      // One bad request must not fail the others: retry them one by one so only the culprit sees the error.
      if (batch.length === 1) batch[0].reject(error);
      else for (const p of batch) this.runAlone(p);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private runAlone(p: Pending): void {
    const started = process.hrtime.bigint();
    this.runner.extend(p.cache, p.tokens).then(
      (logits) =>
        p.resolve({
          logits,
          batchSize: 1,
          queueNs: started - p.enqueued,
          forwardNs: process.hrtime.bigint() - started,
        }),
      p.reject,
    );
  }
}
