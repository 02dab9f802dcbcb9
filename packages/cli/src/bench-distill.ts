import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { AcceptanceRule } from "@distillspec/core";
import {
  createInProcessEvaluator,
  createTaskData,
  createTokenAcceptanceProbe,
  DATA_GENERATOR_IDS,
  DIVERGENCE_IDS,
  type DistillationConfig,
  type DistillationTask as DistillTask,
  defaultGeneratorOptions,
  distillationTemperature,
  distilledRecipe,
  inProcessDataContext,
  isDistillationTask,
  readDistilledRecipe,
  runDistillation,
  type TokenAcceptanceResult,
} from "@distillspec/distill";
import {
  assertSameTokenizer,
  type Checkpoint,
  defaultModelPaths,
  loadCheckpoint,
  loadModelPair,
  sameConfig,
  saveCheckpoint,
  type Weights,
} from "@distillspec/model";
import { createPluginHost, type DataGenerator, type Divergence } from "@distillspec/plugin-api";
import { DraftProposer, TargetVerifier } from "@distillspec/serving";
import { loadTokenizer, type Tokenizer } from "@distillspec/tokenizer";
import { formatTable } from "./format-table.js";
import { runLossySweep } from "./lossy-sweep.js";
import { memoizeEvaluator } from "./memoized-evaluator.js";
import { forEachInterleaved, timedDecode } from "./timed-decode.js";

// `distillspec bench distill`: the paper's comparison on our models. For each task, the non-distilled draft
// against drafts distilled with each divergence × data generator × decoding mode (a draft distilled for
// greedy decoding and one for T = 1, as the divergence is computed at the decoding temperature), measured
// by real speculative decoding (greedy and T = 1, γ = 4) against the target; plus a lossy (lenience) sweep
// on the arithmetic task. Everything runs in one process, side by side, so wall-clock ratios compare like
// with like.

/** The default grid; "teacher" and "mixture" (λ = 0.5 with fixed data) run when asked for (--generators). */
const GENERATORS = ["fixed", "on-policy"] as const;
/** Task data as the distiller service builds it; 48-token continuations match the evaluation length. */
const TASK_OPTIONS = { maxContinuationTokens: 48 };
const EVAL_SEED = 0n;
/** Decoding modes a draft is distilled for, and the SD temperature of each. */
export const DECODING_MODES = { greedy: 0, sampled: 1 } as const;
export type DecodingMode = keyof typeof DECODING_MODES;
/** A grid run, the grid winner of a task and mode distilled again for longer, or a draft given ready-made. */
type Phase = "grid" | "final" | "given";
/**
 * Peak learning rates per task (measured): language modelling gains keep growing up to 2e-3; arithmetic
 * agreement first collapses at ≥ 1e-3 (α 0.79 → 0.54 within 25 steps at 2e-3) and rises at 5e-4.
 */
export const DEFAULT_LEARNING_RATES: Record<DistillTask, number> = {
  "language-modelling": 2e-3,
  arithmetic: 5e-4,
  mixed: 5e-4,
};

const PLUGINS = [
  ...DIVERGENCE_IDS.map((d) => `@distillspec/divergence-${d}`),
  ...DATA_GENERATOR_IDS.map((g) => `@distillspec/data-generator-${g}`),
  "@distillspec/acceptance-lenience",
];

export interface DistillBenchOptions {
  quick: boolean;
  modelsDir?: string;
  /** Models given directly (tests); default: the bundled pair in modelsDir. */
  models?: { tokenizer: Tokenizer; target: Checkpoint; draft: Checkpoint };
  tasks?: DistillTask[];
  divergences?: readonly string[];
  generators?: readonly string[];
  modes?: readonly DecodingMode[];
  /** Steps per run, for every task or per task. */
  steps?: number | Partial<Record<DistillTask, number>>;
  /** When set, the grid's best configuration per task and mode is distilled again for this many steps. */
  finalSteps?: number | Partial<Record<DistillTask, number>>;
  /** Peak learning rate, for every task or per task (default DEFAULT_LEARNING_RATES). */
  learningRate?: number | Partial<Record<DistillTask, number>>;
  warmupSteps?: number;
  /**
   * Drafts distilled elsewhere (e.g. by `distillspec distill`), measured like the runs' drafts and ranked
   * with them; their recipe comes from their checkpoint's metadata.
   */
  givenDrafts?: { path: string; checkpoint: Checkpoint }[];
  /** Copy each run's final draft here as <task>-<divergence>-<generator>-<mode>-<phase>.ckpt. */
  keepDraftsDir?: string;
  log?: (line: string) => void;
}

interface Measured {
  alpha: number;
  tau: number;
  /** Over the T = 1 samples of each prompt (NaN for greedy, which has one). */
  tauStandardError?: number;
}

export interface DistillRunResult {
  task: DistillTask;
  divergence: string;
  generator: string;
  /** The decoding the draft was distilled for. */
  mode: DecodingMode;
  phase: Phase;
  steps: number;
  learningRate: number;
  /** The checkpoint, for a given draft. */
  path?: string;
  greedy: Measured;
  sampled: Measured;
  acceptance: TokenAcceptanceResult;
  finalLoss: number;
  seconds: number;
}

export async function runDistillBench(options: DistillBenchOptions) {
  const log = options.log ?? ((line: string) => console.log(line));
  const quick = options.quick;
  const settings = {
    batchSize: quick ? 4 : 8,
    seqLen: 128,
    warmupSteps: options.warmupSteps ?? (quick ? 1 : 30),
    evalPrompts: quick ? 3 : 32,
    evalMaxNewTokens: quick ? 16 : 48,
    /** T = 1 decodes per prompt: one leaves α within ±0.04 of another seed's on 32 prompts. */
    sampledSamplesPerPrompt: quick ? 1 : 4,
    gamma: 4,
    lossyProblems: quick ? 3 : 40,
  };
  const models = options.models ?? (await loadBundled(options.modelsDir ?? "models"));
  const { tokenizer, target, draft } = models;
  for (const given of options.givenDrafts ?? []) {
    // Measured with the draft's graph and against the target's tokens.
    assertSameTokenizer(given.checkpoint, target, [given.path, "target"]);
    if (!sameConfig(given.checkpoint.config, draft.config)) {
      throw new RangeError(`${given.path}: another architecture than the draft's (${draft.config.name})`);
    }
  }
  const verifier = await TargetVerifier.create(target, { threads: 2, maxSessions: 4096, maxGamma: 16 });
  const host = createPluginHost({ allow: PLUGINS });
  for (const name of PLUGINS) await host.load(name);
  const evaluate = memoizeEvaluator(
    createInProcessEvaluator({
      target: verifier,
      draft: { config: draft.config, tokenizerIdentity: draft.tokenizerIdentity },
      targetContextLength: target.config.contextLength,
      stopTokenIds: [tokenizer.eosId],
    }),
  );
  const measure = async (weights: Weights, prompts: number[][], temperature: number) =>
    evaluate(weights, {
      prompts,
      gamma: settings.gamma,
      temperature,
      maxNewTokens: settings.evalMaxNewTokens,
      seed: 7n,
      samplesPerPrompt: temperature > 0 ? settings.sampledSamplesPerPrompt : 1,
    });
  const eos = tokenizer.eosId;
  const workDir = await mkdtemp(join(tmpdir(), "bench-distill-"));

  const tasks = options.tasks ?? (quick ? ["arithmetic"] : ["arithmetic", "language-modelling"]);
  const divergences = options.divergences ?? (quick ? ["fkl", "tvd"] : DIVERGENCE_IDS);
  const generators = options.generators ?? GENERATORS;
  const modes = options.modes ?? (Object.keys(DECODING_MODES) as DecodingMode[]);
  const stepsFor = (task: DistillTask) => perTask(options.steps, task) ?? (quick ? 8 : 300);
  const finalStepsFor = (task: DistillTask) => perTask(options.finalSteps, task);
  const learningRateFor = (task: DistillTask) =>
    perTask(options.learningRate, task) ?? DEFAULT_LEARNING_RATES[task];
  const baselines: Record<
    string,
    { greedy: Measured; sampled: Measured; acceptance: TokenAcceptanceResult }
  > = {};
  const runs: DistillRunResult[] = [];
  const weightsOf = new Map<DistillRunResult, Weights>();
  try {
    for (const task of tasks) {
      const data = createTaskData(task, tokenizer, TASK_OPTIONS);
      const prompts = data.evalPrompts(settings.evalPrompts, EVAL_SEED);
      // β on the target's own continuations of the same prompts: α's noiseless companion.
      const probe = createTokenAcceptanceProbe({
        target: verifier,
        draft: { config: draft.config, tokenizerIdentity: draft.tokenizerIdentity },
        prompts,
        maxNewTokens: settings.evalMaxNewTokens,
        gamma: settings.gamma,
        seed: 7n,
        stopTokenIds: [eos],
      });
      // Every draft of the task is measured the same three ways.
      const measureDraft = async (weights: Weights) => ({
        greedy: await measure(weights, prompts, 0),
        sampled: await measure(weights, prompts, 1),
        acceptance: await probe.measure(weights),
      });
      baselines[task] = await measureDraft(draft.weights);
      log(
        `${task}: non-distilled draft α ${fmt(baselines[task].greedy.alpha)} greedy, ${fmt(baselines[task].sampled.alpha)} T=1`,
      );
      const distil = async (divergenceId: string, generatorId: string, mode: DecodingMode, phase: Phase) => {
        const started = performance.now();
        const temperature = DECODING_MODES[mode];
        const name = `${task}-${divergenceId}-${generatorId}-${mode}-${phase}`;
        const divergence = host.create("divergence", divergenceId, {}) as Divergence;
        const generator = host.create(
          "data-generator",
          generatorId,
          defaultGeneratorOptions(generatorId, { maxNewTokens: 48, temperature }),
        ) as DataGenerator;
        const outDir = join(workDir, name);
        const steps = phase === "grid" ? stepsFor(task) : finalStepsFor(task)!;
        const config: DistillationConfig = {
          steps,
          batchSize: settings.batchSize,
          seqLen: settings.seqLen,
          learningRate: learningRateFor(task),
          warmupSteps: settings.warmupSteps,
          evalInterval: steps,
          evalPrompts: prompts,
          evalMaxNewTokens: settings.evalMaxNewTokens,
          gamma: settings.gamma,
          temperature,
          seed: 11,
          outDir,
        };
        let finalLoss = Number.NaN;
        for await (const progress of runDistillation(config, {
          teacher: verifier,
          dataGenerator: generator,
          dataContext: inProcessDataContext(data, verifier, draft, eos),
          divergence,
          draftCheckpoint: draft,
          evaluate,
          threads: 2,
        })) {
          if (progress.kind === "step") finalLoss = progress.loss;
        }
        // The final draft, not the best-by-α one: α is measured on the same eval prompts, so picking the
        // best there would flatter the distilled drafts.
        const finalWeights = (await loadCheckpoint(join(outDir, "last.ckpt"))).weights;
        if (options.keepDraftsDir) {
          // With its recipe, as `distillspec distill` records it, so `--drafts` can name it later.
          await mkdir(options.keepDraftsDir, { recursive: true });
          await saveCheckpoint(join(options.keepDraftsDir, `${name}.ckpt`), {
            config: draft.config,
            tokenizerIdentity: draft.tokenizerIdentity,
            weights: finalWeights,
            metadata: {
              ...draft.metadata,
              distilled: distilledRecipe(config, {
                from: "bench distill",
                task,
                divergence: divergenceId,
                generator: generatorId,
              }),
            },
          });
        }
        const result: DistillRunResult = {
          task,
          divergence: divergenceId,
          generator: generatorId,
          mode,
          phase,
          steps,
          learningRate: config.learningRate,
          ...(await measureDraft(finalWeights)),
          finalLoss,
          seconds: (performance.now() - started) / 1000,
        };
        runs.push(result);
        weightsOf.set(result, finalWeights);
        log(
          `${task} ${divergenceId} × ${generatorId} for ${mode} (${phase}, ${steps} steps): α ${fmt(result.greedy.alpha)} greedy, ` +
            `${fmt(result.sampled.alpha)} T=1; τ ${fmt(result.greedy.tau)} / ${fmt(result.sampled.tau)} (${result.seconds.toFixed(0)} s)`,
        );
      };
      for (const [divergenceId, generatorId, mode] of grid(divergences, generators, modes)) {
        await distil(divergenceId, generatorId, mode, "grid");
      }
      // The paper's protocol: divergence and data generator are hyperparameters, so the grid's winner per
      // decoding mode (by τ in that mode) is trained again for longer.
      if (finalStepsFor(task) !== undefined) {
        for (const mode of modes) {
          const winner = runs
            .filter((r) => r.task === task && r.mode === mode)
            .reduce((a, b) => (b[mode].tau > a[mode].tau ? b : a));
          await distil(winner.divergence, winner.generator, mode, "final");
        }
      }
      for (const given of options.givenDrafts ?? []) {
        const result: DistillRunResult = {
          task,
          ...givenRecipe(given.checkpoint),
          phase: "given",
          path: given.path,
          ...(await measureDraft(given.checkpoint.weights)),
          finalLoss: Number.NaN,
          seconds: 0,
        };
        runs.push(result);
        weightsOf.set(result, given.checkpoint.weights);
        log(
          `${task} ${given.path}: α ${fmt(result.greedy.alpha)} greedy, ${fmt(result.sampled.alpha)} T=1; ` +
            `τ ${fmt(result.greedy.tau)} / ${fmt(result.sampled.tau)}`,
        );
      }
    }

    // Gains: best distilled τ (over every run of the task) over the non-distilled τ, per task, then the
    // mean over tasks.
    const best = (task: DistillTask, decoding: "greedy" | "sampled") =>
      runs.filter((r) => r.task === task).reduce((a, b) => (b[decoding].tau > a[decoding].tau ? b : a));
    const label = (r: DistillRunResult) =>
      `${r.path === undefined ? "" : `${r.path}: `}${r.divergence} × ${r.generator} for ${r.mode} (${r.phase}, ${r.steps} steps)`;
    const gains = tasks.map((task) => {
      const bestGreedy = best(task, "greedy");
      const bestSampled = best(task, "sampled");
      return {
        task,
        tau_gain_greedy: bestGreedy.greedy.tau / baselines[task].greedy.tau,
        tau_gain_sampled: bestSampled.sampled.tau / baselines[task].sampled.tau,
        // τ ≤ γ + 1, so no draft can beat these: a task the non-distilled draft already does well caps
        // the gain (arithmetic at T = 1: τ ≈ 4.1 of 5 allows at most ≈ 1.22).
        tau_gain_ceiling_greedy: (settings.gamma + 1) / baselines[task].greedy.tau,
        tau_gain_ceiling_sampled: (settings.gamma + 1) / baselines[task].sampled.tau,
        best_greedy: label(bestGreedy),
        best_sampled: label(bestSampled),
      };
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const trained = runs.some((r) => r.phase !== "given");

    // Wall clock, side by side: target-only vs speculative with the non-distilled and the best distilled draft.
    const wall = [];
    for (const gain of gains) {
      const data = createTaskData(gain.task, tokenizer, TASK_OPTIONS);
      const prompts = data.evalPrompts(settings.evalPrompts, EVAL_SEED);
      for (const temperature of [0, 1]) {
        const weights = weightsOf.get(best(gain.task, temperature === 0 ? "greedy" : "sampled"))!;
        const timing = { ...settings, temperature, stopTokenIds: [eos] };
        const [targetOnly, base, distilled] = await timeSideBySide(
          verifier,
          draft,
          [undefined, draft.weights, weights],
          prompts,
          timing,
        );
        wall.push({
          task: gain.task,
          temperature,
          // Per emitted token: at T = 1 each run writes its own texts, of their own lengths.
          speedup_non_distilled: targetOnly.msPerToken / base.msPerToken,
          speedup_distilled: targetOnly.msPerToken / distilled.msPerToken,
        });
      }
    }

    // Lossy sweep (arithmetic): accuracy against speed for each lenience function and ε.
    const lossy = tasks.includes("arithmetic")
      ? await runLossySweep({
          verifier,
          draft: { ...draft, weights: weightsOf.get(best("arithmetic", "sampled"))! },
          tokenizer,
          lenience: (f, epsilon) =>
            host.create("acceptance-rule", "lenience", { f, epsilon }) as AcceptanceRule,
          problems: settings.lossyProblems,
          gamma: settings.gamma,
          quick,
        })
      : [];

    return {
      timestamp: new Date().toISOString(),
      quick,
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? "unknown",
        node: process.version,
        loadavg: loadavg(),
      },
      settings: {
        ...settings,
        tasks,
        divergences,
        generators,
        modes,
        // Without a grid (only given drafts) nothing was trained: no steps or learning rates to report.
        steps: Object.fromEntries(tasks.map((t) => [t, trained ? stepsFor(t) : null])),
        final_steps: Object.fromEntries(tasks.map((t) => [t, (trained && finalStepsFor(t)) || null])),
        learning_rates: Object.fromEntries(tasks.map((t) => [t, trained ? learningRateFor(t) : null])),
        given_drafts: (options.givenDrafts ?? []).map((g) => g.path),
        distillation_temperatures: Object.fromEntries(
          modes.map((m) => [m, distillationTemperature(DECODING_MODES[m])]),
        ),
      },
      baselines,
      runs,
      gains,
      tau_gain_greedy: mean(gains.map((g) => g.tau_gain_greedy)),
      tau_gain_sampled: mean(gains.map((g) => g.tau_gain_sampled)),
      on_policy_vs_fixed: onPolicyVsFixed(runs),
      wall_clock: wall,
      lossy_sweep: lossy,
    };
  } finally {
    await verifier.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function loadBundled(modelsDir: string) {
  const paths = defaultModelPaths(modelsDir);
  const pair = await loadModelPair(paths.target, paths.draft);
  return { tokenizer: await loadTokenizer(paths.tokenizer), target: pair.target, draft: pair.draft };
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
const withError = (m: Measured) =>
  Number.isFinite(m.tauStandardError) ? `${fmt(m.tau)} ± ${m.tauStandardError!.toFixed(2)}` : fmt(m.tau);

/** How a given draft was distilled, from its checkpoint's recipe. */
function givenRecipe(checkpoint: Checkpoint) {
  const recipe = readDistilledRecipe(checkpoint.metadata);
  return {
    divergence: recipe.divergence,
    generator: recipe.generator,
    mode: (recipe.temperature === 0 ? "greedy" : "sampled") as DecodingMode,
    steps: recipe.steps,
    learningRate: recipe.learningRate,
  };
}

/** Every combination, in order: divergence, then generator, then mode. */
function* grid<A, B, C>(as: readonly A[], bs: readonly B[], cs: readonly C[]): Generator<[A, B, C]> {
  for (const a of as) for (const b of bs) for (const c of cs) yield [a, b, c];
}

function perTask<T>(
  value: T | Partial<Record<DistillTask, T>> | undefined,
  task: DistillTask,
): T | undefined {
  return typeof value === "object" && value !== null
    ? (value as Partial<Record<DistillTask, T>>)[task]
    : value;
}

/**
 * Per divergence and decoding mode, τ with on-policy data over τ with fixed data, each draft measured in
 * the decoding it was distilled for (≥ 1: on-policy at least as good).
 */
function onPolicyVsFixed(runs: DistillRunResult[]) {
  const byDivergence = new Map<string, { onPolicy?: number; fixed?: number }>();
  for (const r of runs.filter((run) => run.phase === "grid")) {
    const key = `${r.task}/${r.divergence}/${r.mode}`;
    const entry = byDivergence.get(key) ?? {};
    const tau = r[r.mode].tau;
    if (r.generator === "on-policy") entry.onPolicy = tau;
    if (r.generator === "fixed") entry.fixed = tau;
    byDivergence.set(key, entry);
  }
  return [...byDivergence.entries()]
    .filter(([, e]) => e.onPolicy !== undefined && e.fixed !== undefined)
    .map(([key, e]) => ({ key, ratio: e.onPolicy! / e.fixed! }));
}

/** Decoding as evaluation and serving do it: up to evalMaxNewTokens, stopping at end of text. */
interface Timing {
  gamma: number;
  evalMaxNewTokens: number;
  temperature: number;
  stopTokenIds: number[];
}

/**
 * ms per emitted token of target-only decoding (undefined) and of speculative decoding with each of the draft
 * weights, interleaved prompt by prompt.
 */
async function timeSideBySide(
  verifier: TargetVerifier,
  draft: Checkpoint,
  decoders: readonly (Weights | undefined)[],
  prompts: number[][],
  timing: Timing,
): Promise<{ msPerToken: number }[]> {
  const proposers = await Promise.all(
    decoders.map((weights) =>
      weights === undefined ? undefined : DraftProposer.create({ ...draft, weights }),
    ),
  );
  const ms = decoders.map(() => 0);
  const tokens = decoders.map(() => 0);
  const settings = { ...timing, maxNewTokens: timing.evalMaxNewTokens };
  try {
    await forEachInterleaved(prompts.length, decoders.length, async (i, j) => {
      const decoded = await timedDecode(verifier, proposers[j], prompts[i], i, settings);
      ms[j] += decoded.ms;
      tokens[j] += decoded.tokens.length;
    });
  } finally {
    await Promise.all(proposers.map((p) => p?.close()));
  }
  return ms.map((m, j) => ({ msPerToken: m / tokens[j] }));
}

export async function benchDistillCommand(opts: {
  out: string;
  quick?: boolean;
  models?: string;
  steps?: string;
  finalSteps?: string;
  lr?: string;
  warmup?: number;
  keepDrafts?: string;
  tasks?: string;
  divergences?: string;
  generators?: string;
  modes?: string;
  drafts?: string;
}) {
  const list = (value?: string) =>
    value
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const tasks = list(opts.tasks);
  for (const task of tasks ?? []) {
    if (!isDistillationTask(task)) throw new RangeError(`unknown task "${task}"`);
  }
  const modes = list(opts.modes);
  for (const mode of modes ?? []) {
    if (!(mode in DECODING_MODES)) throw new RangeError(`--modes: unknown mode "${mode}" (greedy, sampled)`);
  }
  const report = await runDistillBench({
    quick: Boolean(opts.quick),
    modelsDir: opts.models,
    steps: parsePerTask("--steps", opts.steps, (x) => Number.isInteger(x) && x > 0),
    finalSteps: parsePerTask("--final-steps", opts.finalSteps, (x) => Number.isInteger(x) && x > 0),
    learningRate: parsePerTask("--lr", opts.lr, (x) => x > 0),
    warmupSteps: opts.warmup,
    keepDraftsDir: opts.keepDrafts,
    tasks: tasks as DistillTask[] | undefined,
    divergences: list(opts.divergences),
    generators: list(opts.generators),
    modes: modes as DecodingMode[] | undefined,
    givenDrafts: await Promise.all(
      (list(opts.drafts) ?? []).map(async (path) => ({ path, checkpoint: await loadCheckpoint(path) })),
    ),
  });
  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  const rows = report.runs.map((r) => [
    r.task,
    r.phase === "given"
      ? `${r.path} (${r.divergence} × ${r.generator} for ${r.mode})`
      : `${r.divergence} × ${r.generator} for ${r.mode}${r.phase === "final" ? `, final ${r.steps} steps` : ""}`,
    fmt(r.greedy.alpha),
    fmt(r.greedy.tau),
    fmt(r.sampled.alpha),
    withError(r.sampled),
    fmt(r.acceptance.greedyAgreement),
    fmt(r.acceptance.beta),
  ]);
  for (const [task, b] of Object.entries(report.baselines)) {
    rows.unshift([
      task,
      "non-distilled",
      fmt(b.greedy.alpha),
      fmt(b.greedy.tau),
      fmt(b.sampled.alpha),
      withError(b.sampled),
      fmt(b.acceptance.greedyAgreement),
      fmt(b.acceptance.beta),
    ]);
  }
  console.log(
    formatTable(["task", "draft", "α greedy", "τ greedy", "α T=1", "τ T=1", "top-1 agree", "β T=1"], rows),
  );
  console.log(
    "(top-1 agree: draft's top token = target's on the target's greedy continuations; β: mean Σ min(p, q) on its T = 1 ones)",
  );
  console.log(
    `\n${formatTable(
      ["task", "τ gain greedy (ceiling)", "best greedy", "τ gain T=1 (ceiling)", "best T=1"],
      report.gains.map((g) => [
        g.task,
        `${fmt(g.tau_gain_greedy)} (${fmt(g.tau_gain_ceiling_greedy)})`,
        g.best_greedy,
        `${fmt(g.tau_gain_sampled)} (${fmt(g.tau_gain_ceiling_sampled)})`,
        g.best_sampled,
      ]),
    )}`,
  );
  console.log(
    `\ntau_gain_greedy ${fmt(report.tau_gain_greedy)} (target ≥ 1.2: ${report.tau_gain_greedy >= 1.2 ? "pass" : "FAIL"}), ` +
      `tau_gain_sampled ${fmt(report.tau_gain_sampled)} (target ≥ 1.2: ${report.tau_gain_sampled >= 1.2 ? "pass" : "FAIL"})`,
  );
  console.log(
    `\n${formatTable(
      ["task", "T", "speedup non-distilled", "speedup distilled"],
      report.wall_clock.map((w) => [
        w.task,
        w.temperature,
        fmt(w.speedup_non_distilled),
        fmt(w.speedup_distilled),
      ]),
    )}`,
  );
  if (report.lossy_sweep.length > 0) {
    console.log(
      `\n${formatTable(
        ["lenience f", "ε", "answer accuracy", "step accuracy (steps)", "target NLL", "α", "τ", "speedup"],
        report.lossy_sweep.map((l) => [
          l.f,
          l.epsilon,
          fmt(l.accuracy),
          `${fmt(l.step_accuracy)} (${l.steps_written})`,
          Number.isFinite(l.target_nll_se)
            ? `${fmt(l.target_nll)} ± ${l.target_nll_se.toFixed(2)}`
            : fmt(l.target_nll),
          fmt(l.alpha),
          fmt(l.tau),
          fmt(l.speedup),
        ]),
      )}`,
    );
  }
  console.log(`\nwrote ${opts.out}`);
}

/**
 * A flag given for every task ("2e-3") or per task ("language-modelling=2e-3,arithmetic=5e-4"); unnamed
 * tasks keep their defaults.
 */
export function parsePerTask(
  flag: string,
  text: string | undefined,
  valid: (x: number) => boolean,
): number | Partial<Record<DistillTask, number>> | undefined {
  if (text === undefined) return undefined;
  const parse = (value: string) => {
    const x = Number(value);
    if (value.trim() === "" || !valid(x)) throw new RangeError(`${flag}: bad value "${value}"`);
    return x;
  };
  if (!text.includes("=")) return parse(text);
  const byTask: Partial<Record<DistillTask, number>> = {};
  for (const part of text.split(",")) {
    const [task, value = ""] = part.split("=").map((s) => s.trim());
    if (!isDistillationTask(task)) throw new RangeError(`${flag}: unknown task "${task}" in "${text}"`);
    byTask[task] = parse(value);
  }
  return byTask;
}
