import { join } from "node:path";
import {
  createInProcessEvaluator,
  createTaskData,
  DATA_GENERATOR_IDS,
  DIVERGENCE_IDS,
  type DistillationConfig,
  type DistillationProgress,
  defaultGeneratorOptions,
  distilledRecipe,
  type EvaluationRecord,
  inProcessDataContext,
  isDistillationTask,
  runDistillation,
} from "@distillspec/distill";
import { defaultModelPaths, loadCheckpoint, loadModelPair, saveCheckpoint } from "@distillspec/model";
import { createPluginHost, type DataGenerator, type Divergence } from "@distillspec/plugin-api";
import { TargetVerifier } from "@distillspec/serving";
import { loadTokenizer } from "@distillspec/tokenizer";

// `distillspec distill`: distils the draft against the target on this machine, in one process, and writes
// the best draft (by α of real speculative decoding on held-out prompts) as a checkpoint the services can
// load. The distiller service runs the same loop with the models behind gRPC.

export interface DistillCommandOptions {
  /** Where the best draft is written. */
  out: string;
  models?: string;
  target?: string;
  draft?: string;
  task?: string;
  divergence?: string;
  divergenceOptions?: string;
  generator?: string;
  generatorOptions?: string;
  steps?: number;
  batch?: number;
  seqLen?: number;
  lr?: number;
  warmup?: number;
  temperature?: number;
  evalEvery?: number;
  evalPrompts?: number;
  evalSamples?: number;
  seed?: number;
  threads?: number;
  /** Run state (resumable); default `<out>.run`. */
  workDir?: string;
  resume?: boolean;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** The recipe of the shipped models/draft-distilled.ckpt (see models/README.md). */
export const DISTILL_DEFAULTS = {
  task: "mixed",
  divergence: "jsd",
  generator: "on-policy",
  steps: 1200,
  batch: 8,
  seqLen: 128,
  lr: 5e-4,
  warmup: 30,
  temperature: 1,
  evalEvery: 200,
  evalPrompts: 16,
  evalSamples: 4,
  seed: 11,
  threads: 2,
} as const;

/** Continuation length of generated data and of evaluation, as in bench distill. */
const CONTINUATION_TOKENS = 48;

function parseJsonOptions(flag: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RangeError(`${flag} must be JSON: ${(error as Error).message}`);
  }
}

function oneOf(flag: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value))
    throw new RangeError(`${flag} must be one of ${allowed.join(", ")}, got "${value}"`);
  return value;
}

export interface DistillOutcome {
  out: string;
  baseline: EvaluationRecord | null;
  best: EvaluationRecord | null;
  final: DistillationProgress | undefined;
  cancelled: boolean;
}

export async function distillCommand(opts: DistillCommandOptions): Promise<DistillOutcome> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const task = opts.task ?? DISTILL_DEFAULTS.task;
  if (!isDistillationTask(task))
    throw new RangeError(`--task must be language-modelling, arithmetic or mixed, got "${task}"`);
  const divergenceId = oneOf("--divergence", opts.divergence ?? DISTILL_DEFAULTS.divergence, DIVERGENCE_IDS);
  const generatorId = oneOf("--generator", opts.generator ?? DISTILL_DEFAULTS.generator, DATA_GENERATOR_IDS);
  const temperature = opts.temperature ?? DISTILL_DEFAULTS.temperature;
  const generatorOptions =
    parseJsonOptions("--generator-options", opts.generatorOptions) ??
    defaultGeneratorOptions(generatorId, { maxNewTokens: CONTINUATION_TOKENS, temperature });
  const divergenceOptions = parseJsonOptions("--divergence-options", opts.divergenceOptions) ?? {};

  const paths = defaultModelPaths(opts.models ?? "models");
  const tokenizer = await loadTokenizer(paths.tokenizer);
  const { target, draft } = await loadModelPair(opts.target ?? paths.target, opts.draft ?? paths.draft);
  const host = createPluginHost({
    allow: [`@distillspec/divergence-${divergenceId}`, `@distillspec/data-generator-${generatorId}`],
  });
  await host.load(`@distillspec/divergence-${divergenceId}`);
  await host.load(`@distillspec/data-generator-${generatorId}`);
  const divergence = host.create("divergence", divergenceId, divergenceOptions) as Divergence;
  const dataGenerator = host.create("data-generator", generatorId, generatorOptions) as DataGenerator;

  const threads = opts.threads ?? DISTILL_DEFAULTS.threads;
  const verifier = await TargetVerifier.create(target, { threads, maxSessions: 4096, maxGamma: 16 });
  try {
    const data = createTaskData(task, tokenizer, { maxContinuationTokens: CONTINUATION_TOKENS });
    const workDir = opts.workDir ?? `${opts.out}.run`;
    const config: DistillationConfig = {
      steps: opts.steps ?? DISTILL_DEFAULTS.steps,
      batchSize: opts.batch ?? DISTILL_DEFAULTS.batch,
      seqLen: opts.seqLen ?? DISTILL_DEFAULTS.seqLen,
      learningRate: opts.lr ?? DISTILL_DEFAULTS.lr,
      warmupSteps: opts.warmup ?? DISTILL_DEFAULTS.warmup,
      evalInterval: opts.evalEvery ?? DISTILL_DEFAULTS.evalEvery,
      evalPrompts: data.evalPrompts(opts.evalPrompts ?? DISTILL_DEFAULTS.evalPrompts, 0n),
      evalMaxNewTokens: CONTINUATION_TOKENS,
      evalSamplesPerPrompt: opts.evalSamples ?? DISTILL_DEFAULTS.evalSamples,
      gamma: 4,
      temperature,
      seed: opts.seed ?? DISTILL_DEFAULTS.seed,
      outDir: workDir,
      resume: opts.resume,
    };
    log(
      `distilling ${opts.draft ?? paths.draft} against ${opts.target ?? paths.target}: ${task}, ${divergenceId} × ` +
        `${generatorId}, ${config.steps} steps × ${config.batchSize} × ${config.seqLen} tokens, lr ${config.learningRate}, ` +
        `T = ${temperature}; run state in ${workDir}`,
    );
    let baseline: EvaluationRecord | null = null;
    let final: DistillationProgress | undefined;
    for await (const progress of runDistillation(
      config,
      {
        teacher: verifier,
        dataGenerator,
        dataContext: inProcessDataContext(data, verifier, draft, tokenizer.eosId),
        divergence,
        draftCheckpoint: draft,
        evaluate: createInProcessEvaluator({
          target: verifier,
          draft: { config: draft.config, tokenizerIdentity: draft.tokenizerIdentity },
          targetContextLength: target.config.contextLength,
          stopTokenIds: [tokenizer.eosId],
        }),
        threads,
      },
      opts.signal,
    )) {
      final = progress;
      if (progress.kind === "baseline") baseline = progress.latestEvaluation;
      if (progress.kind === "baseline" || progress.evaluated || progress.step % 50 === 0)
        log(progressLine(progress));
    }
    const cancelled = final?.kind === "cancelled";
    if (cancelled) {
      log(`cancelled at step ${final?.step}; state saved: run again with --resume to continue`);
      return { out: opts.out, baseline, best: final?.best ?? null, final, cancelled };
    }
    // The best draft by α, with how it was made in its metadata.
    const best = await loadCheckpoint(join(workDir, "best.ckpt"));
    await saveCheckpoint(opts.out, {
      config: best.config,
      tokenizerIdentity: best.tokenizerIdentity,
      weights: best.weights,
      metadata: {
        ...draft.metadata,
        distilled: {
          ...distilledRecipe(config, {
            from: opts.draft ?? paths.draft,
            task,
            divergence: divergenceId,
            generator: generatorId,
          }),
          baseline,
          best: final?.best ?? null,
        },
      },
    });
    log(
      `wrote ${opts.out}: α ${fmt(baseline?.alpha)} → ${fmt(final?.best?.alpha)}, τ ${fmt(baseline?.tau)} → ` +
        `${fmt(final?.best?.tau)} on ${config.evalPrompts.length} held-out ${task} prompts (T = ${temperature}, γ = 4)`,
    );
    return { out: opts.out, baseline, best: final?.best ?? null, final, cancelled };
  } finally {
    await verifier.close();
  }
}

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(3));

function progressLine(p: DistillationProgress): string {
  const evaluation = p.latestEvaluation
    ? `; α ${fmt(p.latestEvaluation.alpha)} τ ${fmt(p.latestEvaluation.tau)} (best α ${fmt(p.best?.alpha)} at step ${p.best?.step})`
    : "";
  if (p.kind === "baseline") return `step 0: starting draft${evaluation}`;
  return (
    `step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} lr ${p.learningRate.toExponential(2)} ` +
    `${Math.round(p.tokensPerSecond)} tokens/s, ETA ${Math.round(p.etaSeconds)} s${p.evaluated ? evaluation : ""}`
  );
}
