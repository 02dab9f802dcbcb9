import {
  type AdamWOptions,
  createSession,
  floatTensor,
  int64Tensor,
  type OrtSession,
} from "@distillspec/graph";
import type * as ort from "onnxruntime-node";
import type { ModelConfig } from "./config.js";
import { buildTrainingModel, type TrainingLoss } from "./training-graph.js";
import { type Weights, weightSpecs } from "./weight-spec.js";

// Drives the training-step graph: holds parameters and AdamW moments in JS between steps.

export interface TrainBatch {
  /** int ids [batch·seq] row-major. */
  ids: Int32Array | number[];
  /** Next-token targets [batch·seq] (ignored by distillation losses but must be in range). */
  targets: Int32Array | number[];
  /** 1 where a position counts towards the loss, [batch·seq]. */
  lossMask: Float32Array;
  /** Teacher probabilities [batch·seq·vocab] for distillation losses. */
  teacherProbs?: Float32Array;
}

export interface TrainerState {
  step: number;
  weights: Weights;
  m: Weights;
  v: Weights;
}

export interface TrainerOptions {
  batch: number;
  seqLen: number;
  loss: TrainingLoss;
  optimizer?: AdamWOptions;
  threads?: number;
}

export class Trainer {
  private constructor(
    readonly config: ModelConfig,
    readonly options: TrainerOptions,
    private readonly session: OrtSession,
    private state: TrainerState,
  ) {}

  static async create(config: ModelConfig, weights: Weights, options: TrainerOptions, resume?: TrainerState) {
    const bytes = buildTrainingModel(config, options);
    const session = await createSession(bytes, { intraOpThreads: options.threads ?? 1 });
    const zeros = () =>
      new Map(weightSpecs(config).map((s) => [s.name, new Float32Array(weights.get(s.name)!.length)]));
    const state: TrainerState = resume ?? { step: 0, weights: new Map(weights), m: zeros(), v: zeros() };
    return new Trainer(config, options, session, state);
  }

  get step(): number {
    return this.state.step;
  }

  get weights(): Weights {
    return this.state.weights;
  }

  /** A snapshot that `Trainer.create(..., resume)` continues from exactly. */
  snapshot(): TrainerState {
    return { step: this.state.step, weights: this.state.weights, m: this.state.m, v: this.state.v };
  }

  async trainStep(batch: TrainBatch, learningRate: number): Promise<{ loss: number; gradNorm: number }> {
    const { batch: rows, seqLen } = this.options;
    const n = rows * seqLen;
    if (batch.ids.length !== n || batch.targets.length !== n || batch.lossMask.length !== n) {
      throw new RangeError(`training batch must hold ${rows}×${seqLen} positions`);
    }
    for (const list of [batch.ids, batch.targets]) {
      for (let i = 0; i < n; i++) {
        const t = list[i];
        if (t < 0 || t >= this.config.vocabSize) {
          throw new RangeError(
            `token id ${t} at position ${i} is outside the vocabulary [0, ${this.config.vocabSize})`,
          );
        }
      }
    }
    const step = this.state.step + 1;
    const feeds: Record<string, ort.Tensor> = {
      ids: int64Tensor(
        BigInt64Array.from(batch.ids, (x) => BigInt(x)),
        [rows, seqLen],
      ),
      targets: int64Tensor(
        BigInt64Array.from(batch.targets, (x) => BigInt(x)),
        [rows, seqLen],
      ),
      loss_mask: floatTensor(batch.lossMask, [rows, seqLen]),
      lr: floatTensor(Float32Array.of(learningRate), []),
      step: floatTensor(Float32Array.of(step), []),
    };
    if (this.options.loss.kind === "distillation") {
      if (!batch.teacherProbs || batch.teacherProbs.length !== n * this.config.vocabSize) {
        throw new RangeError(
          `distillation needs teacher probabilities [${rows}, ${seqLen}, ${this.config.vocabSize}]`,
        );
      }
      feeds.teacher_probs = floatTensor(batch.teacherProbs, [rows, seqLen, this.config.vocabSize]);
    }
    for (const spec of weightSpecs(this.config)) {
      feeds[spec.name] = floatTensor(this.state.weights.get(spec.name)!, spec.shape);
      feeds[`m.${spec.name}`] = floatTensor(this.state.m.get(spec.name)!, spec.shape);
      feeds[`v.${spec.name}`] = floatTensor(this.state.v.get(spec.name)!, spec.shape);
    }
    const out = await this.session.run(feeds);
    const loss = out.loss.data[0] as number;
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step}: loss is ${loss}`);
    const next: TrainerState = { step, weights: new Map(), m: new Map(), v: new Map() };
    for (const spec of weightSpecs(this.config)) {
      next.weights.set(spec.name, out[`new.${spec.name}`].data as Float32Array);
      next.m.set(spec.name, out[`new_m.${spec.name}`].data as Float32Array);
      next.v.set(spec.name, out[`new_v.${spec.name}`].data as Float32Array);
    }
    this.state = next;
    return { loss, gradNorm: out.grad_norm.data[0] as number };
  }

  /** Mean loss on a batch without updating (runs the step graph with lr = 0 and discards the result). */
  async evaluate(batch: TrainBatch): Promise<number> {
    const saved = this.state;
    try {
      const { loss } = await this.trainStep(batch, 0);
      return loss;
    } finally {
      this.state = saved;
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
