import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { warmupCosine } from "@distillspec/graph";
import { type Checkpoint, graphDivergence, saveCheckpoint, Trainer, type Weights } from "@distillspec/model";
import type {
  DataGenerator,
  DataGeneratorContext,
  DistillationExample,
  Divergence,
} from "@distillspec/plugin-api";
import {
  type DistillationConfig,
  distillationTemperature,
  validateDistillationConfig,
} from "./distillation-config.js";
import type { DraftEvaluator, EvaluationRequest } from "./in-process-evaluator.js";
import {
  type EvaluationRecord,
  loadRunState,
  type RunState,
  runPaths,
  saveRunState,
  trainingFingerprint,
} from "./run-state.js";
import { assembleTeacherProbs, buildTrainingRows, toTrainBatch } from "./training-rows.js";

// One DistillSpec run: each step takes a batch from the data generator, has the target score every position
// (white-box), and takes one AdamW step on the divergence D(p ‖ q_θ) over the continuation positions.
// Every evalInterval steps (and at the end) it measures α and τ by real speculative decoding, keeps the
// best draft by α and saves everything needed to resume. Transport-free: services plug in through deps.

/** The target as a teacher: softmax(logits / T) at every position of each sequence, [len × vocab] each. */
export interface TeacherScorer {
  teacherScore(sequences: readonly (readonly number[])[], temperature: number): Promise<Float32Array[]>;
}

export interface DistillationDeps {
  teacher: TeacherScorer;
  dataGenerator: DataGenerator;
  /** A function form is called with the current draft weights before each batch (on-policy data). */
  dataContext: DataGeneratorContext | ((draftWeights: Weights) => DataGeneratorContext);
  divergence: Divergence;
  /** The draft to start from: its architecture, tokenizer and initial weights. */
  draftCheckpoint: Checkpoint;
  evaluate: DraftEvaluator;
  /** onnxruntime intra-op threads for the training graph. */
  threads?: number;
}

export interface DistillationProgress {
  /** baseline: the starting draft was evaluated (step 0); cancelled: stopped at a step boundary, state saved. */
  kind: "baseline" | "step" | "cancelled" | "done";
  step: number;
  totalSteps: number;
  /** Mean divergence over the continuation positions of this step's batch (NaN when no step ran). */
  loss: number;
  learningRate: number;
  /** Non-pad tokens per second of the last step, data and teacher scoring included. */
  tokensPerSecond: number;
  etaSeconds: number;
  /** True when this step ran an evaluation (and saved the run state). */
  evaluated: boolean;
  latestEvaluation: EvaluationRecord | null;
  best: EvaluationRecord | null;
}

/**
 * Runs (or, with config.resume and a saved state in outDir, continues) a distillation. Yields one event per
 * step. Aborting `signal` lets the step in flight finish, saves the state and ends with a "cancelled" event;
 * nothing is left half-written. Training is deterministic given the config and the generator: resuming
 * reproduces the uninterrupted run exactly, because each step's batch comes from a seed derived from
 * (seed, step) and evaluation has its own seeds.
 */
export async function* runDistillation(
  config: DistillationConfig,
  deps: DistillationDeps,
  signal?: AbortSignal,
): AsyncGenerator<DistillationProgress> {
  const draft = deps.draftCheckpoint;
  validateDistillationConfig(config, draft.config);
  const identity = { config: draft.config, tokenizerIdentity: draft.tokenizerIdentity };
  const temperature = distillationTemperature(config.temperature);
  const paths = runPaths(config.outDir);
  const seed = BigInt(config.seed);
  await mkdir(config.outDir, { recursive: true });

  // resume = "continue if there is something to continue": a job restarted before its first save starts over.
  const resumed =
    config.resume && existsSync(paths.json)
      ? await loadRunState(config.outDir, identity, trainingFingerprint(config))
      : undefined;
  const state: RunState = resumed?.state ?? {
    step: 0,
    training: trainingFingerprint(config),
    latestEvaluation: null,
    best: null,
    history: [],
    evaluations: [],
  };
  const trainer = await Trainer.create(
    draft.config,
    draft.weights,
    {
      batch: config.batchSize,
      seqLen: config.seqLen,
      loss: { kind: "distillation", divergence: graphDivergence(deps.divergence), temperature },
      threads: deps.threads ?? 1,
    },
    resumed?.trainer,
  );

  const evalRequest: EvaluationRequest = {
    prompts: config.evalPrompts,
    gamma: config.gamma,
    temperature: config.temperature,
    maxNewTokens: config.evalMaxNewTokens,
    seed: evaluationSeed(config.seed),
    samplesPerPrompt: config.temperature > 0 ? (config.evalSamplesPerPrompt ?? 1) : 1,
  };
  const evaluate = async () => {
    const { alpha, tau } = await deps.evaluate(trainer.weights, evalRequest);
    const record = { step: trainer.step, alpha, tau };
    state.latestEvaluation = record;
    state.evaluations.push(record);
    // NaN (no draft token proposed) never becomes best; the first real number always does.
    if (Number.isFinite(alpha) && !(state.best !== null && state.best.alpha >= alpha)) {
      state.best = record;
      await saveCheckpoint(paths.best, {
        ...identity,
        weights: trainer.weights,
        metadata: { step: record.step, alpha, tau, role: "distilled-draft" },
      });
    }
  };
  const save = () => saveRunState(config.outDir, identity, trainer.snapshot(), state);
  const event = (
    kind: DistillationProgress["kind"],
    extra: Partial<DistillationProgress> = {},
  ): DistillationProgress => ({
    kind,
    step: trainer.step,
    totalSteps: config.steps,
    loss: Number.NaN,
    learningRate: 0,
    tokensPerSecond: 0,
    etaSeconds: 0,
    evaluated: false,
    latestEvaluation: state.latestEvaluation,
    best: state.best,
    ...extra,
  });

  try {
    if (!resumed) {
      // The starting draft is the baseline and the first "best": a run never hands back a worse draft.
      await evaluate();
      await save();
      yield event("baseline", { evaluated: true });
    }
    const started = performance.now();
    const firstStep = trainer.step;
    let savedStep = trainer.step;
    let last: Partial<DistillationProgress> = {};
    while (trainer.step < config.steps) {
      if (signal?.aborted) {
        if (savedStep !== trainer.step) await save();
        yield event("cancelled", { ...last, etaSeconds: Number.NaN, evaluated: false });
        return;
      }
      const stepStarted = performance.now();
      const examples = await nextBatch(
        deps,
        trainer.weights,
        config.batchSize,
        stepSeed(seed, trainer.step + 1),
      );
      const rows = buildTrainingRows(examples, config.seqLen, draft.config.vocabSize);
      const scored = await deps.teacher.teacherScore(rows.tokens, temperature);
      const teacherProbs = assembleTeacherProbs(rows, scored, config.seqLen, draft.config.vocabSize);
      const learningRate = warmupCosine(trainer.step + 1, {
        peak: config.learningRate,
        warmup: config.warmupSteps,
        total: config.steps,
      });
      const { loss } = await trainer.trainStep(toTrainBatch(rows, teacherProbs), learningRate);
      state.step = trainer.step;
      state.history.push({ step: trainer.step, loss });
      const tokens = rows.tokens.reduce((sum, row) => sum + row.length, 0);
      const tokensPerSecond = tokens / ((performance.now() - stepStarted) / 1000);

      const evaluated = trainer.step % config.evalInterval === 0 || trainer.step === config.steps;
      if (evaluated) {
        await evaluate();
        await save();
        savedStep = trainer.step;
      }
      const perStep = (performance.now() - started) / 1000 / (trainer.step - firstStep);
      last = { loss, learningRate, tokensPerSecond };
      yield event("step", {
        ...last,
        etaSeconds: perStep * (config.steps - trainer.step),
        evaluated,
      });
    }
    yield event("done", { ...last, etaSeconds: 0 });
  } finally {
    await trainer.release();
  }
}

/** Seed of every evaluation in a run: the same prompts decode with the same seeds, so α values compare. */
export function evaluationSeed(seed: number | bigint): bigint {
  return BigInt.asUintN(64, BigInt(seed) ^ 0x5eed_e7a1n);
}

/** Seed of the batch for `step`: independent of how the run was split by cancel/resume. */
function stepSeed(seed: bigint, step: number): bigint {
  return BigInt.asUintN(64, seed * 0x9e3779b97f4a7c15n + BigInt(step) * 0xbf58476d1ce4e5b9n + 1n);
}

/** A fresh generator stream per step (seeded by step), so a resumed run sees the same batches. */
async function nextBatch(
  deps: DistillationDeps,
  weights: Weights,
  batchSize: number,
  seed: bigint,
): Promise<DistillationExample[]> {
  const context = typeof deps.dataContext === "function" ? deps.dataContext(weights) : deps.dataContext;
  const iterator = deps.dataGenerator.batches(context, batchSize, seed)[Symbol.asyncIterator]();
  try {
    const next = await iterator.next();
    if (next.done || next.value.length < batchSize) {
      throw new Error(
        `data generator ${deps.dataGenerator.id} gave ${next.done ? "no batch" : `${next.value.length} examples`}, expected ${batchSize}`,
      );
    }
    return next.value.slice(0, batchSize);
  } finally {
    await iterator.return?.();
  }
}
