import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createRng, createRngFromState, type RngState } from "@distillspec/core";
import { loadSotuCorpus, mixedTrainingText } from "@distillspec/datasets";
import { warmupCosine } from "@distillspec/graph";
import {
  DEFAULT_DRAFT_CONFIG,
  DEFAULT_TARGET_CONFIG,
  initWeights,
  loadCheckpoint,
  type ModelConfig,
  ModelRunner,
  parameterCount,
  saveCheckpoint,
  Trainer,
} from "@distillspec/model";
import { loadTokenizer, type Tokenizer, trainTokenizer } from "@distillspec/tokenizer";
import { arithmeticAccuracy } from "./arithmetic-eval.js";
import { encodeDocuments, fixedWindows, sampleWindows } from "./token-stream.js";

// Pretraining from scratch on CPU: the tokenizer, then a target or a draft on SOTU text mixed with
// arithmetic word problems. Resumable: optimizer state and data RNG are saved with every checkpoint.

export interface PretrainOptions {
  role: "target" | "draft";
  outDir: string;
  steps: number;
  batch: number;
  seqLen: number;
  learningRate: number;
  warmup: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
  threads: number;
  arithmeticFraction: number;
  /** Store the final weights as float16 (halves the file; the target is bundled this way). */
  float16: boolean;
  /** Problems used for the final arithmetic accuracy. */
  arithmeticEvalCount: number;
  log?: (line: string) => void;
  /** Model config instead of the role's default (tests use tiny ones). */
  config?: ModelConfig;
  /** Training and validation documents instead of SOTU + arithmetic (tests use the fixture). */
  corpus?: { train: string[]; validation: string[] };
  /** Stop (without finishing) once this step is checkpointed: a time-boxed run to resume later. */
  stopAfterStep?: number;
  /**
   * Start from this checkpoint's config and weights (a fresh optimizer) instead of a random init: continued
   * training, e.g. of a model made deeper by `distillspec grow`.
   */
  initFrom?: string;
}

interface TrainState {
  step: number;
  rng: RngState;
  elapsedSeconds: number;
  tokensSeen: number;
  history: { step: number; trainLoss: number; validationLoss: number }[];
}

export const DEFAULT_PRETRAIN: Record<PretrainOptions["role"], Omit<PretrainOptions, "role" | "outDir">> = {
  target: {
    steps: 1500,
    batch: 8,
    seqLen: 256,
    learningRate: 1e-3,
    warmup: 50,
    evalEvery: 100,
    checkpointEvery: 50,
    seed: 1,
    threads: 2,
    arithmeticFraction: 0.25,
    float16: true,
    arithmeticEvalCount: 100,
  },
  draft: {
    steps: 1200,
    batch: 16,
    seqLen: 256,
    learningRate: 3e-3,
    warmup: 50,
    evalEvery: 100,
    checkpointEvery: 100,
    seed: 2,
    threads: 1,
    arithmeticFraction: 0.25,
    float16: false,
    arithmeticEvalCount: 100,
  },
};

export function configFor(role: PretrainOptions["role"]): ModelConfig {
  return role === "target" ? DEFAULT_TARGET_CONFIG : DEFAULT_DRAFT_CONFIG;
}

/** Loads models/tokenizer.json, training it first (on the same mixed corpus) when missing. */
export async function ensureTokenizer(
  outDir: string,
  seed: number,
  log: (l: string) => void,
): Promise<Tokenizer> {
  const path = join(outDir, "tokenizer.json");
  if (existsSync(path)) return loadTokenizer(path);
  const started = performance.now();
  const tokenizer = trainTokenizer(mixedTrainingText({ seed, arithmeticFraction: 0.25 }), {
    vocabSize: 2048,
  });
  await mkdir(outDir, { recursive: true });
  await tokenizer.save(path);
  log(
    `tokenizer: ${tokenizer.vocabSize} tokens in ${((performance.now() - started) / 1000).toFixed(1)} s → ${path}`,
  );
  return tokenizer;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value, null, 2));
  await rename(tmp, path);
}

export async function pretrain(
  options: PretrainOptions,
): Promise<{ validationLoss: number; checkpoint: string }> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.initFrom !== undefined && options.config) {
    throw new Error("give a config or a checkpoint to start from, not both");
  }
  const init = options.initFrom === undefined ? undefined : await loadCheckpoint(options.initFrom);
  const config = options.config ?? init?.config ?? configFor(options.role);
  const tokenizer = await ensureTokenizer(options.outDir, 0, log);
  if (init && init.tokenizerIdentity !== tokenizer.identity) {
    throw new Error(
      `${options.initFrom} was trained with another tokenizer than ${join(options.outDir, "tokenizer.json")}`,
    );
  }
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new Error(
      `tokenizer has ${tokenizer.vocabSize} tokens but the ${options.role} config expects ${config.vocabSize}`,
    );
  }
  const trainStream = encodeDocuments(
    tokenizer,
    options.corpus?.train ??
      mixedTrainingText({ seed: options.seed, arithmeticFraction: options.arithmeticFraction }),
  );
  const validationStream = encodeDocuments(
    tokenizer,
    options.corpus?.validation ?? loadSotuCorpus().validation,
  );
  const validation = fixedWindows(validationStream, options.batch, options.seqLen, 4);
  log(
    `${options.role}: ${parameterCount(config).toLocaleString()} params, ${trainStream.length.toLocaleString()} train tokens, ` +
      `${options.steps} steps × ${options.batch}×${options.seqLen}`,
  );

  const stateDir = join(options.outDir, ".train-state", options.role);
  const statePath = join(stateDir, "state.json");
  let state: TrainState = {
    step: 0,
    rng: createRng(options.seed).getState(),
    elapsedSeconds: 0,
    tokensSeen: 0,
    history: [],
  };
  let resume: Parameters<typeof Trainer.create>[3];
  let weights = init?.weights ?? initWeights(config, options.seed);
  if (existsSync(statePath)) {
    state = JSON.parse(await readFile(statePath, "utf8")) as TrainState;
    const [w, m, v] = await Promise.all(
      ["weights", "m", "v"].map((n) => loadCheckpoint(join(stateDir, `${n}.ckpt`))),
    );
    if (w.metadata.step !== state.step || m.metadata.step !== state.step || v.metadata.step !== state.step) {
      throw new Error(
        `train state in ${stateDir} is inconsistent (a write was interrupted); delete it to start over`,
      );
    }
    if (w.config.layers !== config.layers || w.config.width !== config.width) {
      throw new Error(`train state in ${stateDir} belongs to another model shape; delete it to start over`);
    }
    weights = w.weights;
    resume = { step: state.step, weights: w.weights, m: m.weights, v: v.weights };
    log(`resuming ${options.role} from step ${state.step}`);
  }
  const trainer = await Trainer.create(
    config,
    weights,
    {
      batch: options.batch,
      seqLen: options.seqLen,
      loss: { kind: "cross-entropy" },
      threads: options.threads,
    },
    resume,
  );
  const rng = createRngFromState(state.rng);

  const validate = async () => {
    let sum = 0;
    for (const batch of validation) sum += await trainer.evaluate(batch);
    return sum / validation.length;
  };

  const saveState = async () => {
    await mkdir(stateDir, { recursive: true });
    const snapshot = trainer.snapshot();
    const common = { config, tokenizerIdentity: tokenizer.identity, metadata: { step: snapshot.step } };
    await saveCheckpoint(join(stateDir, "weights.ckpt"), { ...common, weights: snapshot.weights });
    await saveCheckpoint(join(stateDir, "m.ckpt"), { ...common, weights: snapshot.m });
    await saveCheckpoint(join(stateDir, "v.ckpt"), { ...common, weights: snapshot.v });
    await writeJsonAtomic(statePath, { ...state, rng: rng.getState() });
  };

  let windowStart = performance.now();
  let windowTokens = 0;
  let lastLoss = Number.NaN;
  while (state.step < options.steps) {
    const batch = sampleWindows(trainStream, options.batch, options.seqLen, rng);
    const lr = warmupCosine(state.step + 1, {
      peak: options.learningRate,
      warmup: options.warmup,
      total: options.steps,
    });
    const stepStart = performance.now();
    const { loss, gradNorm } = await trainer.trainStep(batch, lr);
    state.elapsedSeconds += (performance.now() - stepStart) / 1000;
    state.step = trainer.step;
    state.tokensSeen += options.batch * options.seqLen;
    windowTokens += options.batch * options.seqLen;
    lastLoss = loss;
    if (state.step % 10 === 0 || state.step === 1) {
      const seconds = (performance.now() - windowStart) / 1000;
      const perStep = state.elapsedSeconds / state.step;
      const eta = Math.round((options.steps - state.step) * perStep);
      log(
        `step ${state.step}/${options.steps} loss ${loss.toFixed(4)} |g| ${gradNorm.toFixed(2)} lr ${lr.toExponential(2)} ` +
          `${Math.round(windowTokens / seconds)} tok/s ETA ${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, "0")}s`,
      );
      windowStart = performance.now();
      windowTokens = 0;
    }
    if (state.step % options.evalEvery === 0 || state.step === options.steps) {
      const validationLoss = await validate();
      state.history.push({ step: state.step, trainLoss: loss, validationLoss });
      log(
        `step ${state.step} validation loss ${validationLoss.toFixed(4)} perplexity ${Math.exp(validationLoss).toFixed(1)}`,
      );
    }
    if (state.step % options.checkpointEvery === 0 || state.step === options.steps) await saveState();
    if (options.stopAfterStep !== undefined && state.step >= options.stopAfterStep) {
      await trainer.release();
      log(`stopped at step ${state.step}; run again to resume`);
      return { validationLoss: Number.NaN, checkpoint: "" };
    }
  }

  const validationLoss = await validate();
  await trainer.release();
  const runner = await ModelRunner.create(config, trainer.weights, { intraOpThreads: options.threads });
  const arithmetic = await arithmeticAccuracy(runner, tokenizer, options.arithmeticEvalCount);
  await runner.release();
  log(
    `${options.role}: validation loss ${validationLoss.toFixed(4)}, arithmetic accuracy ${arithmetic.accuracy}`,
  );

  const checkpoint = join(options.outDir, `${options.role}.ckpt`);
  await saveCheckpoint(checkpoint, {
    config,
    tokenizerIdentity: tokenizer.identity,
    weights: trainer.weights,
    dtype: options.float16 ? "float16" : "float32",
    metadata: {
      role: options.role,
      seed: options.seed,
      steps: state.step,
      batch: options.batch,
      seqLen: options.seqLen,
      learningRate: options.learningRate,
      warmup: options.warmup,
      arithmeticFraction: options.arithmeticFraction,
      tokensSeen: state.tokensSeen,
      trainingSeconds: Math.round(state.elapsedSeconds),
      trainLoss: lastLoss,
      validationLoss,
      validationPerplexity: Math.exp(validationLoss),
      arithmeticAccuracy: arithmetic.accuracy,
      arithmeticEvalCount: arithmetic.count,
      history: state.history,
      parameters: parameterCount(config),
      ...(init ? { initFrom: { path: options.initFrom, ...init.metadata } } : {}),
    },
  });
  await rm(stateDir, { recursive: true, force: true });
  log(`wrote ${checkpoint}`);
  return { validationLoss, checkpoint };
}
