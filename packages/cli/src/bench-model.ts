import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname } from "node:path";
import { createRng, type Rng } from "@distillspec/core";
import { createSession, floatTensor, GraphBuilder, serializeModel } from "@distillspec/graph";
import {
  DEFAULT_DRAFT_CONFIG,
  DEFAULT_TARGET_CONFIG,
  initWeights,
  loadCheckpoint,
  type ModelConfig,
  ModelRunner,
  parameterCount,
  referenceForward,
  Trainer,
  type Weights,
} from "@distillspec/model";
import { type Cell, formatTable } from "./format-table.js";
import { DEFAULT_PRETRAIN } from "./pretrain.js";
import { interleave, median, repeat } from "./timing.js";

// `distillspec bench model`: the model-engine numbers speculative decoding depends on — how much more a
// 5-token verification costs than a 1-token step, how close training gets to the machine's matmul speed,
// and whether the ORT graph still matches the float64 reference.

export interface TrainShape {
  batch: number;
  seqLen: number;
  /** onnxruntime intra-op threads for the training session. */
  threads: number;
}

export interface BenchSettings {
  /** Tokens in the KV cache before each timed extension. */
  prefillTokens: number;
  /** Tokens in one verification (draft proposals + 1). */
  verifyTokens: number;
  /** Sessions verified together in one run (the batched-verification measurement). */
  verifyBatch: number;
  reps: number;
  warmupReps: number;
  /** Threads of the inference runners; a model service gets one core. */
  inferenceThreads: number;
  parityTokens: number;
  trainTarget: TrainShape;
  trainDraft: TrainShape;
  /** Timed training steps per model (after trainWarmupSteps untimed ones). */
  trainSteps: number;
  trainWarmupSteps: number;
  /** Plain MatMul runs per training step, interleaved with the steps. */
  matmulRunsPerStep: number;
}

export function benchSettings(quick: boolean): BenchSettings {
  const target = DEFAULT_PRETRAIN.target;
  const draft = DEFAULT_PRETRAIN.draft;
  return {
    prefillTokens: 128,
    verifyTokens: 5,
    verifyBatch: 16,
    reps: quick ? 15 : 50,
    warmupReps: quick ? 3 : 5,
    inferenceThreads: 1,
    parityTokens: 24,
    trainTarget: quick
      ? { batch: 4, seqLen: 128, threads: target.threads }
      : { batch: target.batch, seqLen: target.seqLen, threads: target.threads },
    trainDraft: quick
      ? { batch: 8, seqLen: 128, threads: draft.threads }
      : { batch: draft.batch, seqLen: draft.seqLen, threads: draft.threads },
    trainSteps: quick ? 3 : 6,
    trainWarmupSteps: 1,
    matmulRunsPerStep: 4,
  };
}

export interface ModelBenchOptions {
  quick?: boolean;
  targetPath?: string;
  draftPath?: string;
  /** Skip the checkpoints: timings do not depend on the weights. */
  randomWeights?: boolean;
  /** Replace a model's config (random weights); tests use tiny models. */
  targetConfig?: ModelConfig;
  draftConfig?: ModelConfig;
  /** Overrides of the quick/full measurement settings. */
  settings?: Partial<BenchSettings>;
  seed?: number;
  /** Progress and warnings; silent when omitted. */
  log?: (line: string) => void;
}

export interface BenchTarget {
  limit: string;
  value: number;
  pass: boolean;
}

export interface ModelBenchReport {
  timestamp: string;
  quick: boolean;
  machine: { cpus: number; model: string; node: string; loadavg_at_start: number[] };
  configs: { target: string; draft: string };
  weights: { target: WeightSource; draft: WeightSource };
  settings: BenchSettings;
  target_params: number;
  draft_params: number;
  verify_ms_1: number;
  verify_ms_5: number;
  verify_cost_ratio: number;
  /** min(5-token) / min(1-token): the same ratio, less sensitive to load from other processes. */
  verify_cost_ratio_of_mins: number;
  /** One run verifying `verifyBatch` (16) sessions' blocks of `verifyTokens`, as under 16 concurrent streams. */
  verify_ms_batch_16: number;
  /**
   * 16 × verify_ms_5 / verify_ms_batch_16: how many times more blocks per second the target verifies when
   * 16 streams share a run — a ceiling on speculative serving's throughput gain at 16 streams from the
   * target alone (same threads), whatever the serving layer does.
   */
  verify_batch_gain_16: number;
  draft_step_ms: number;
  draft_verify_ms_5: number;
  cost_ratio_c: number;
  train_step_ms: number;
  train_flops_per_step: number;
  train_gflops: number;
  matmul_gflops: number;
  train_matmul_efficiency: number;
  parity_max_abs_diff: number;
  parity_max_abs_diff_target: number;
  parity_max_abs_diff_draft: number;
  train_steps_per_s_target: number;
  train_tokens_per_s_target: number;
  train_steps_per_s_draft: number;
  train_tokens_per_s_draft: number;
  targets: { verify_cost_ratio: BenchTarget; train_matmul_efficiency: BenchTarget };
}

type WeightSource = "checkpoint" | "random";

export const VERIFY_COST_RATIO_MAX = 1.5;
export const TRAIN_MATMUL_EFFICIENCY_MIN = 0.4;

/** Matmul weights a token passes through, the tied output head (vocab × width) included. */
export function matmulParameterCount(config: ModelConfig): number {
  const { width: d, ffnHidden: f, layers, vocabSize } = config;
  return layers * (4 * d * d + 3 * d * f) + vocabSize * d;
}

/**
 * Analytic FLOPs of one training step: forward = 2·tokens·matmul weights + attention scores and
 * weighted sum (2·2·batch·layers·heads·seq²·headSize, the full square although half is masked);
 * backward ≈ 2× forward.
 */
export function trainingFlops(config: ModelConfig, batch: number, seqLen: number): number {
  const forward =
    2 * batch * seqLen * matmulParameterCount(config) +
    4 * batch * config.layers * seqLen * seqLen * config.width;
  return 3 * forward;
}

interface LoadedModel {
  config: ModelConfig;
  weights: Weights;
  source: WeightSource;
}

async function loadModel(
  role: "target" | "draft",
  path: string,
  override: ModelConfig | undefined,
  randomWeights: boolean,
  seed: number,
  log: (line: string) => void,
): Promise<LoadedModel> {
  const fallback = override ?? (role === "target" ? DEFAULT_TARGET_CONFIG : DEFAULT_DRAFT_CONFIG);
  const random = (): LoadedModel => ({
    config: fallback,
    weights: initWeights(fallback, seed),
    source: "random",
  });
  if (override || randomWeights) return random();
  if (!existsSync(path)) {
    log(
      `warning: ${path} not found; benchmarking the ${role} with random weights (timings do not depend on them)`,
    );
    return random();
  }
  const checkpoint = await loadCheckpoint(path);
  return { config: checkpoint.config, weights: checkpoint.weights, source: "checkpoint" };
}

const randomTokens = (rng: Rng, count: number, vocab: number) =>
  Array.from({ length: count }, () => rng.int(vocab));

/** Max |ORT − reference| over all logits; the cache is filled in two chunks so the KV path is covered. */
async function parityMaxAbsDiff(runner: ModelRunner, model: LoadedModel, tokens: number[]): Promise<number> {
  const reference = referenceForward(model.config, model.weights, tokens);
  const cache = runner.createCache();
  const split = Math.ceil(tokens.length / 2);
  const logits = [
    await runner.extend(cache, tokens.slice(0, split)),
    await runner.extend(cache, tokens.slice(split)),
  ];
  const vocab = model.config.vocabSize;
  let max = 0;
  tokens.forEach((_, t) => {
    const ort = t < split ? logits[0].subarray(t * vocab) : logits[1].subarray((t - split) * vocab);
    for (let i = 0; i < vocab; i++) max = Math.max(max, Math.abs(ort[i] - reference[t][i]));
  });
  return max;
}

function trainBatch(rng: Rng, shape: TrainShape, vocab: number) {
  const n = shape.batch * shape.seqLen;
  return {
    ids: Int32Array.from({ length: n }, () => rng.int(vocab)),
    targets: Int32Array.from({ length: n }, () => rng.int(vocab)),
    lossMask: new Float32Array(n).fill(1),
  };
}

/** A one-node graph [rows, width] @ [width, 4·width]; both operands are inputs, like the trainer's weights. */
async function createMatmul(rows: number, width: number, threads: number, rng: Rng) {
  const b = new GraphBuilder();
  const a = b.input("a", "float32", [rows, width]);
  const w = b.input("w", "float32", [width, 4 * width]);
  b.output(b.matmul(a, w), "out");
  const session = await createSession(serializeModel(b, "bench-matmul"), { intraOpThreads: threads });
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 1));
  const feeds = {
    a: floatTensor(fill(rows * width), [rows, width]),
    w: floatTensor(fill(width * 4 * width), [width, 4 * width]),
  };
  return {
    flops: 2 * rows * width * 4 * width,
    run: () => session.run(feeds),
    release: () => session.release(),
  };
}

export async function runModelBench(options: ModelBenchOptions = {}): Promise<ModelBenchReport> {
  const quick = options.quick ?? false;
  const s: BenchSettings = { ...benchSettings(quick), ...options.settings };
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 1;
  const rng = createRng(seed);
  const loadavg = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const randomWeights = options.randomWeights ?? false;
  const target = await loadModel(
    "target",
    options.targetPath ?? "models/target.ckpt",
    options.targetConfig,
    randomWeights,
    seed,
    log,
  );
  const draft = await loadModel(
    "draft",
    options.draftPath ?? "models/draft.ckpt",
    options.draftConfig,
    randomWeights,
    seed + 1,
    log,
  );

  // ---- inference: parity, then verification cost with both runners interleaved ----
  log("inference: parity and verification cost");
  const runnerOptions = { intraOpThreads: s.inferenceThreads };
  const targetRunner = await ModelRunner.create(target.config, target.weights, runnerOptions);
  const draftRunner = await ModelRunner.create(draft.config, draft.weights, runnerOptions);
  const parityTarget = await parityMaxAbsDiff(
    targetRunner,
    target,
    randomTokens(rng, s.parityTokens, target.config.vocabSize),
  );
  const parityDraft = await parityMaxAbsDiff(
    draftRunner,
    draft,
    randomTokens(rng, s.parityTokens, draft.config.vocabSize),
  );

  const vocab = Math.min(target.config.vocabSize, draft.config.vocabSize);
  const prefill = randomTokens(rng, s.prefillTokens, vocab);
  const proposal = randomTokens(rng, s.verifyTokens, vocab);
  const targetCache = targetRunner.createCache();
  const draftCache = draftRunner.createCache();
  await targetRunner.extend(targetCache, prefill);
  await draftRunner.extend(draftCache, prefill);
  // verifyBatch sessions' blocks in one run, as the target-verifier batches concurrent streams.
  const batchCaches = Array.from({ length: s.verifyBatch }, () => targetRunner.createCache());
  await targetRunner.extendBatch(batchCaches.map((cache) => ({ cache, tokens: prefill })));
  // Each sample extends the warm cache and rolls it back, as a rejected draft would.
  const extendTask = (runner: ModelRunner, cache: ReturnType<ModelRunner["createCache"]>, n: number) => {
    const tokens = proposal.slice(0, n);
    return async () => {
      await runner.extend(cache, tokens);
      cache.truncate(s.prefillTokens);
    };
  };
  const verify = await interleave(
    {
      target1: extendTask(targetRunner, targetCache, 1),
      targetN: extendTask(targetRunner, targetCache, s.verifyTokens),
      draft1: extendTask(draftRunner, draftCache, 1),
      draftN: extendTask(draftRunner, draftCache, s.verifyTokens),
      targetBatch: async () => {
        const tokens = proposal.slice(0, s.verifyTokens);
        await targetRunner.extendBatch(batchCaches.map((cache) => ({ cache, tokens })));
        for (const cache of batchCaches) cache.truncate(s.prefillTokens);
      },
    },
    s,
  );
  await targetRunner.release();
  await draftRunner.release();
  const verifyMs1 = median(verify.target1);
  const verifyMsN = median(verify.targetN);
  const draftStepMs = median(verify.draft1);

  // ---- target training vs a plain MatMul of its width, interleaved on the same threads ----
  const tt = s.trainTarget;
  log(`training: target ${tt.batch}×${tt.seqLen} on ${threads(tt.threads)} vs plain MatMul`);
  const targetTrainer = await Trainer.create(target.config, target.weights, {
    batch: tt.batch,
    seqLen: tt.seqLen,
    loss: { kind: "cross-entropy" },
    threads: tt.threads,
  });
  const targetBatch = trainBatch(rng, tt, target.config.vocabSize);
  const matmul = await createMatmul(tt.batch * tt.seqLen, target.config.width, tt.threads, rng);
  const train = await interleave(
    {
      step: () => targetTrainer.trainStep(targetBatch, 1e-4),
      matmul: async () => {
        for (let i = 0; i < s.matmulRunsPerStep; i++) await matmul.run();
      },
    },
    { reps: s.trainSteps, warmupReps: s.trainWarmupSteps },
  );
  await targetTrainer.release();
  await matmul.release();
  const trainStepMs = median(train.step);
  const matmulMs = median(train.matmul) / s.matmulRunsPerStep;
  const trainFlops = trainingFlops(target.config, tt.batch, tt.seqLen);
  const trainGflops = trainFlops / (trainStepMs * 1e6);
  const matmulGflops = matmul.flops / (matmulMs * 1e6);

  // ---- draft training ----
  const td = s.trainDraft;
  log(`training: draft ${td.batch}×${td.seqLen} on ${threads(td.threads)}`);
  const draftTrainer = await Trainer.create(draft.config, draft.weights, {
    batch: td.batch,
    seqLen: td.seqLen,
    loss: { kind: "cross-entropy" },
    threads: td.threads,
  });
  const draftBatch = trainBatch(rng, td, draft.config.vocabSize);
  const draftTrain = await repeat(() => draftTrainer.trainStep(draftBatch, 1e-4), {
    reps: s.trainSteps,
    warmupReps: s.trainWarmupSteps,
  });
  await draftTrainer.release();
  const draftStepsPerS = 1000 / median(draftTrain);

  const verifyCostRatio = verifyMsN / verifyMs1;
  const efficiency = trainGflops / matmulGflops;
  const cpus = os.cpus();
  return {
    timestamp: new Date().toISOString(),
    quick,
    machine: {
      cpus: cpus.length,
      model: cpus[0]?.model.trim() ?? "unknown",
      node: process.version,
      loadavg_at_start: loadavg,
    },
    configs: { target: target.config.name, draft: draft.config.name },
    weights: { target: target.source, draft: draft.source },
    settings: s,
    target_params: parameterCount(target.config),
    draft_params: parameterCount(draft.config),
    verify_ms_1: verifyMs1,
    verify_ms_5: verifyMsN,
    verify_cost_ratio: verifyCostRatio,
    verify_cost_ratio_of_mins: Math.min(...verify.targetN) / Math.min(...verify.target1),
    verify_ms_batch_16: median(verify.targetBatch),
    verify_batch_gain_16: (s.verifyBatch * verifyMsN) / median(verify.targetBatch),
    draft_step_ms: draftStepMs,
    draft_verify_ms_5: median(verify.draftN),
    cost_ratio_c: draftStepMs / verifyMs1,
    train_step_ms: trainStepMs,
    train_flops_per_step: trainFlops,
    train_gflops: trainGflops,
    matmul_gflops: matmulGflops,
    train_matmul_efficiency: efficiency,
    parity_max_abs_diff: Math.max(parityTarget, parityDraft),
    parity_max_abs_diff_target: parityTarget,
    parity_max_abs_diff_draft: parityDraft,
    train_steps_per_s_target: 1000 / trainStepMs,
    train_tokens_per_s_target: (1000 / trainStepMs) * tt.batch * tt.seqLen,
    train_steps_per_s_draft: draftStepsPerS,
    train_tokens_per_s_draft: draftStepsPerS * td.batch * td.seqLen,
    targets: {
      verify_cost_ratio: {
        limit: `≤ ${VERIFY_COST_RATIO_MAX}`,
        value: verifyCostRatio,
        pass: verifyCostRatio <= VERIFY_COST_RATIO_MAX,
      },
      train_matmul_efficiency: {
        limit: `≥ ${TRAIN_MATMUL_EFFICIENCY_MIN}`,
        value: efficiency,
        pass: efficiency >= TRAIN_MATMUL_EFFICIENCY_MIN,
      },
    },
  };
}

/** Numeric report keys in display order. */
const TABLE_KEYS = [
  "target_params",
  "draft_params",
  "verify_ms_1",
  "verify_ms_5",
  "verify_cost_ratio",
  "verify_cost_ratio_of_mins",
  "verify_ms_batch_16",
  "verify_batch_gain_16",
  "draft_step_ms",
  "draft_verify_ms_5",
  "cost_ratio_c",
  "train_step_ms",
  "train_gflops",
  "matmul_gflops",
  "train_matmul_efficiency",
  "train_steps_per_s_target",
  "train_tokens_per_s_target",
  "train_steps_per_s_draft",
  "train_tokens_per_s_draft",
  "parity_max_abs_diff",
  "parity_max_abs_diff_target",
  "parity_max_abs_diff_draft",
] as const satisfies readonly (keyof ModelBenchReport)[];

const threads = (n: number) => `${n} thread${n === 1 ? "" : "s"}`;

export function formatModelBenchReport(report: ModelBenchReport): string {
  const targets: Partial<Record<string, BenchTarget>> = report.targets;
  const rows: Cell[][] = TABLE_KEYS.map((key) => {
    const target = targets[key];
    return [key, report[key], target?.limit ?? "", target ? (target.pass ? "pass" : "FAIL") : ""];
  });
  const { machine, settings: s } = report;
  return [
    `machine: ${machine.cpus} × ${machine.model}, node ${machine.node}, load average ${machine.loadavg_at_start.join(" ")}`,
    `models: ${report.configs.target} (${report.weights.target} weights), ${report.configs.draft} (${report.weights.draft} weights)` +
      `${report.quick ? ", quick" : ""}`,
    `verify: cache of ${s.prefillTokens} + 1 or ${s.verifyTokens} tokens, ${s.reps} reps, ${threads(s.inferenceThreads)}; ` +
      `train: target ${s.trainTarget.batch}×${s.trainTarget.seqLen} (${threads(s.trainTarget.threads)}), ` +
      `draft ${s.trainDraft.batch}×${s.trainDraft.seqLen} (${threads(s.trainDraft.threads)})`,
    "",
    formatTable(["key", "value", "target", "pass"], rows),
  ].join("\n");
}

export interface BenchModelCommandOptions {
  out: string;
  quick?: boolean;
  target?: string;
  draft?: string;
  randomWeights?: boolean;
}

/** The CLI entry: runs the benchmark, writes the JSON report, prints the table. */
export async function benchModelCommand(opts: BenchModelCommandOptions): Promise<ModelBenchReport> {
  const report = await runModelBench({
    quick: opts.quick,
    targetPath: opts.target,
    draftPath: opts.draft,
    randomWeights: opts.randomWeights,
    log: (line) => console.error(line),
  });
  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatModelBenchReport(report));
  console.log(`\nwrote ${opts.out}`);
  return report;
}
