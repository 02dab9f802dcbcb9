import { randomUUID } from "node:crypto";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  createTaskData,
  DISTILLATION_TASKS,
  type DistillationConfig,
  type DistillationProgress,
  type EvaluationRecord,
  isDistillationTask,
  runDistillation,
  runPaths,
  type TaskData,
  trainingFingerprint,
  validateDistillationConfig,
} from "@distillspec/distill";
import { createClient, failedPrecondition, invalidArgument, notFound } from "@distillspec/grpc";
import type { Checkpoint } from "@distillspec/model";
import {
  createPluginHost,
  type DataGenerator,
  type Divergence,
  type PluginHost,
} from "@distillspec/plugin-api";
import {
  DraftProposerService,
  type EvaluationSchema,
  type ModelInfo,
  type PluginRef,
  type RunProgressSchema,
  RunState,
  type RunStatusSchema,
  type StartRunRequest,
} from "@distillspec/proto";
import type { Tokenizer } from "@distillspec/tokenizer";
import { connectModels, createRemoteDeps } from "./remote-deps.js";

// The distiller's runs: each StartRun is validated up front (plugins, config, reachable models with the
// draft's tokenizer), then trains in the background under <runsDir>/<runId>/. A run's failure is recorded
// on the run, never thrown out of the service; watchers see every progress event.

export const DEFAULT_DISTILLER_PLUGINS: readonly string[] = [
  "@distillspec/divergence-fkl",
  "@distillspec/divergence-rkl",
  "@distillspec/divergence-jsd",
  "@distillspec/divergence-tvd",
  "@distillspec/data-generator-fixed",
  "@distillspec/data-generator-teacher",
  "@distillspec/data-generator-on-policy",
  "@distillspec/data-generator-mixture",
];

/** A plugin host that may load exactly `packages` (the allow-list), with all of them loaded. */
export async function loadDistillerPlugins(
  packages: readonly string[] = DEFAULT_DISTILLER_PLUGINS,
): Promise<PluginHost> {
  const host = createPluginHost({ allow: packages });
  for (const name of packages) await host.load(name);
  return host;
}

export type RunProgressInit = MessageInitShape<typeof RunProgressSchema>;
export type RunStatusInit = MessageInitShape<typeof RunStatusSchema>;
type EvaluationInit = MessageInitShape<typeof EvaluationSchema>;

export interface RunManagerOptions {
  /** Runs live in <runsDir>/<runId>/ (resolved to an absolute path: draft-proposers load from it). */
  runsDir: string;
  /** The draft every run starts from. */
  draftCheckpoint: Checkpoint;
  tokenizer: Tokenizer;
  plugins: PluginHost;
  /** Held-out prompts per evaluation (default 16). */
  evalPrompts?: number;
  /** Tokens generated per evaluation prompt (default 32). */
  evalMaxNewTokens?: number;
  /** Decodes of each evaluation prompt in runs at temperature > 0 (default 1). */
  evalSamplesPerPrompt?: number;
  /** SD lookahead of evaluations (default 4). */
  gamma?: number;
  /** Training window in tokens, capped by the draft's context length (default 128). */
  seqLen?: number;
  /** onnxruntime intra-op threads per run (default 1). */
  threads?: number;
  /** Time the model services get to answer Info at StartRun (default 10 s). */
  connectTimeoutMs?: number;
  /** Deadline of each call a run makes to a model service (default 10 min). */
  callTimeoutMs?: number;
}

interface Run {
  id: string;
  dir: string;
  state: RunState;
  progress: RunProgressInit;
  best: EvaluationRecord | null;
  error: string;
  draftAddresses: string[];
  cancel: AbortController;
  watchers: Set<(progress: RunProgressInit) => void>;
  done: Promise<void>;
}

const STATUS_FILE = "status.json";

/** What status.json holds: enough to answer GetRun/WatchRun/PublishRun after a restart. */
interface SavedRunStatus {
  state: RunState;
  progress: RunProgressInit;
  best: EvaluationRecord | null;
  error: string;
  draftAddresses: string[];
}

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isTerminal = (state: RunState | undefined) =>
  state === RunState.SUCCEEDED || state === RunState.FAILED || state === RunState.CANCELLED;

const wireEvaluation = (e: EvaluationRecord | null): EvaluationInit | undefined =>
  e === null ? undefined : { step: e.step, alpha: e.alpha, tau: e.tau };

export class RunManager {
  private readonly runs = new Map<string, Run>();
  private readonly resuming = new Set<string>();
  /** Aborts every downstream call when the service shuts down (cancel alone waits for a step boundary). */
  private readonly closing = new AbortController();
  readonly runsDir: string;

  constructor(private readonly options: RunManagerOptions) {
    this.runsDir = resolve(options.runsDir);
  }

  get plugins(): PluginHost {
    return this.options.plugins;
  }

  /**
   * Re-registers the runs recorded under runsDir (after a restart), so GetRun, WatchRun and PublishRun
   * keep working. A run that was still running when the service stopped is recorded as FAILED with a
   * message saying how to continue it (StartRun with resume_run_id).
   */
  async restore(): Promise<number> {
    if (!existsSync(this.runsDir)) return 0;
    let restored = 0;
    for (const entry of await readdir(this.runsDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !RUN_ID.test(entry.name) || this.runs.has(entry.name)) continue;
      const dir = join(this.runsDir, entry.name);
      const statusPath = join(dir, STATUS_FILE);
      if (!existsSync(statusPath)) continue;
      const saved = JSON.parse(await readFile(statusPath, "utf8")) as SavedRunStatus;
      const interrupted = !isTerminal(saved.state);
      const error = interrupted
        ? "interrupted: the distiller stopped during this run; StartRun with resume_run_id to continue it"
        : saved.error;
      const state = interrupted ? RunState.FAILED : saved.state;
      this.runs.set(entry.name, {
        id: entry.name,
        dir,
        state,
        progress: {
          ...saved.progress,
          runId: entry.name,
          state,
          message: interrupted ? error : (saved.progress.message ?? ""),
        },
        best: saved.best,
        error,
        draftAddresses: saved.draftAddresses,
        cancel: new AbortController(),
        watchers: new Set(),
        done: Promise.resolve(),
      });
      restored++;
    }
    return restored;
  }

  /** Validates the request, connects to the models and starts the run in the background; returns its id. */
  async start(request: StartRunRequest): Promise<string> {
    const { draftCheckpoint: draft, tokenizer } = this.options;
    if (!isDistillationTask(request.task)) {
      throw invalidArgument(
        `task must be one of ${DISTILLATION_TASKS.join(", ")}, got ${JSON.stringify(request.task)}`,
      );
    }
    const targets = request.targetAddresses.map((a) => a.trim());
    const drafts = request.draftAddresses.map((a) => a.trim());
    if (targets.length === 0)
      throw invalidArgument("target_addresses must name at least one target-verifier");
    if ([...targets, ...drafts].some((a) => a === "")) throw invalidArgument("addresses must not be empty");
    const dataGenerator = this.plugin(
      "data-generator",
      "data_generator",
      request.dataGenerator,
    ) as DataGenerator;
    const divergence = this.plugin("divergence", "divergence", request.divergence) as Divergence;

    const runId = request.resumeRunId === "" ? randomUUID() : request.resumeRunId;
    if (!RUN_ID.test(runId))
      throw invalidArgument(`resume_run_id must be a run id (a UUID), got ${JSON.stringify(runId)}`);
    const dir = join(this.runsDir, runId);
    const evalMaxNewTokens = this.options.evalMaxNewTokens ?? 32;
    // Evaluation prompts need room for what evaluation generates (the target's context is checked later).
    const taskData = createTaskData(request.task, tokenizer, {
      promptCap: Math.max(1, draft.config.contextLength - evalMaxNewTokens),
    });
    const config: DistillationConfig = {
      steps: request.steps,
      batchSize: request.batchSize,
      seqLen: Math.min(this.options.seqLen ?? 128, draft.config.contextLength),
      learningRate: request.learningRate,
      warmupSteps: request.warmupSteps,
      evalInterval: request.evalInterval,
      // Fixed held-out prompts per task, so α compares across runs, not only within one.
      evalPrompts: taskData.evalPrompts(this.options.evalPrompts ?? 16, 0n),
      evalMaxNewTokens,
      evalSamplesPerPrompt: this.options.evalSamplesPerPrompt,
      gamma: this.options.gamma ?? 4,
      temperature: request.temperature,
      seed: request.seed,
      outDir: dir,
      resume: request.resumeRunId !== "",
    };
    validateDistillationConfig(config, draft.config);
    if (config.resume) {
      // Claimed before the first await, so two resumes of one run cannot both start.
      if (this.resuming.has(runId)) throw failedPrecondition(`run ${runId} is already being resumed`);
      this.resuming.add(runId);
    }
    try {
      return await this.launch(runId, request, config, {
        dataGenerator,
        divergence,
        taskData,
        targets,
        drafts,
      });
    } finally {
      this.resuming.delete(runId);
    }
  }

  private async launch(
    runId: string,
    request: StartRunRequest,
    config: DistillationConfig,
    parts: {
      dataGenerator: DataGenerator;
      divergence: Divergence;
      taskData: TaskData;
      targets: string[];
      drafts: string[];
    },
  ): Promise<string> {
    const { draftCheckpoint: draft, tokenizer } = this.options;
    const { dataGenerator, divergence, taskData, targets, drafts } = parts;
    const dir = config.outDir;
    if (config.resume) await this.checkResumable(runId, config);
    const connection = await connectModels(targets, drafts, draft, this.options.connectTimeoutMs);
    const longest = Math.max(...config.evalPrompts.map((p) => p.length));
    if (longest + 1 >= connection.target.contextLength) {
      connection.close();
      throw failedPrecondition(
        `the target's context (${connection.target.contextLength} tokens) is too short for this task's ` +
          `evaluation prompts (up to ${longest} tokens)`,
      );
    }
    const callTimeoutMs = this.options.callTimeoutMs ?? 600_000;
    const deps = createRemoteDeps({
      connection,
      draftCheckpoint: draft,
      dataGenerator,
      divergence,
      taskData,
      stopTokenIds: [tokenizer.eosId],
      callOptions: () => ({ timeoutMs: callTimeoutMs, signal: this.closing.signal }),
      threads: this.options.threads,
    });
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "request.json"),
      `${JSON.stringify({ ...request, $typeName: undefined, seed: String(request.seed) }, null, 2)}\n`,
    );

    const run: Run = {
      id: runId,
      dir,
      state: RunState.RUNNING,
      progress: {
        runId,
        state: RunState.RUNNING,
        totalSteps: config.steps,
        message: config.resume ? "resuming" : "starting",
      },
      best: null,
      error: "",
      draftAddresses: drafts,
      cancel: new AbortController(),
      watchers: new Set(),
      done: Promise.resolve(),
    };
    this.runs.set(runId, run);
    run.done = this.execute(run, runDistillation(config, deps, run.cancel.signal)).finally(() =>
      connection.close(),
    );
    return runId;
  }

  status(runId: string): RunStatusInit {
    const run = this.find(runId);
    return {
      runId: run.id,
      state: run.state,
      progress: run.progress,
      bestEvaluation: wireEvaluation(run.best),
      bestCheckpointPath: run.best ? runPaths(run.dir).best : "",
      error: run.error,
    };
  }

  /**
   * The run's latest progress, then every later event until the run ends (or `signal` aborts). A watcher
   * that arrives after the end gets the final progress only.
   */
  async *watch(runId: string, signal?: AbortSignal): AsyncGenerator<RunProgressInit> {
    const run = this.find(runId);
    const queue: RunProgressInit[] = [run.progress];
    let wake: (() => void) | undefined;
    const listener = (progress: RunProgressInit) => {
      queue.push(progress);
      wake?.();
    };
    const onAbort = () => wake?.();
    run.watchers.add(listener);
    signal?.addEventListener("abort", onAbort);
    try {
      for (;;) {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          yield next;
          if (isTerminal(next.state)) return;
        }
        if (signal?.aborted) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      run.watchers.delete(listener);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Asks the run to stop at the next step boundary and waits for it (or for `signal`). */
  async cancel(runId: string, signal?: AbortSignal): Promise<RunStatusInit> {
    const run = this.find(runId);
    if (!isTerminal(run.state)) {
      run.cancel.abort();
      await abortable(run.done, signal);
    }
    return this.status(runId);
  }

  /** Reloads the run's best checkpoint into every draft-proposer of the run. */
  async publish(runId: string, timeoutMs = 60_000): Promise<ModelInfo[]> {
    const run = this.find(runId);
    if (run.best === null) throw failedPrecondition(`run ${runId} has no best checkpoint yet`);
    if (run.draftAddresses.length === 0)
      throw failedPrecondition(`run ${runId} names no draft_addresses to publish to`);
    // The bytes, not a path: the draft-proposers need not share a filesystem with the distiller.
    const checkpoint = new Uint8Array(await readFile(runPaths(run.dir).best));
    const clients = run.draftAddresses.map((a) => createClient(DraftProposerService, a));
    try {
      const answers = await Promise.all(clients.map((c) => c.reload({ checkpoint }, { timeoutMs })));
      return answers.map((a, i) => {
        if (!a.model)
          throw new Error(`draft-proposer ${run.draftAddresses[i]} answered Reload without model info`);
        return a.model;
      });
    } finally {
      for (const c of clients) c.$close();
    }
  }

  /** Stops every run (state saved at the step in flight) and aborts calls still outstanding. */
  async close(): Promise<void> {
    for (const run of this.runs.values()) run.cancel.abort();
    const grace = setTimeout(() => this.closing.abort(), 5_000);
    await Promise.all([...this.runs.values()].map((r) => r.done));
    clearTimeout(grace);
    this.closing.abort();
  }

  private find(runId: string): Run {
    const run = this.runs.get(runId);
    if (!run) throw notFound(`no run ${JSON.stringify(runId)}`);
    return run;
  }

  private plugin(kind: "data-generator" | "divergence", field: string, ref: PluginRef | undefined): unknown {
    if (!ref || ref.id === "") throw invalidArgument(`${field}.id is required`);
    let options: unknown;
    if (ref.optionsJson.trim() !== "") {
      try {
        options = JSON.parse(ref.optionsJson);
      } catch (error) {
        throw invalidArgument(`${field}.options_json is not valid JSON: ${(error as Error).message}`);
      }
    }
    // Unknown ids and rejected options come back as PluginErrors with status INVALID_ARGUMENT.
    return this.options.plugins.create(kind, ref.id, options);
  }

  /** A resume needs a saved state with the same training settings; checked before anything starts. */
  private async checkResumable(runId: string, config: DistillationConfig): Promise<void> {
    if (this.runs.get(runId)?.state === RunState.RUNNING) {
      throw failedPrecondition(`run ${runId} is still running; cancel it before resuming`);
    }
    const json = runPaths(config.outDir).json;
    if (!existsSync(json)) throw notFound(`no saved run ${runId} to resume in ${this.runsDir}`);
    const saved = JSON.parse(await readFile(json, "utf8")) as { training?: Record<string, unknown> };
    for (const [key, value] of Object.entries(trainingFingerprint(config))) {
      if (saved.training?.[key] !== value) {
        throw invalidArgument(
          `cannot resume run ${runId}: it used ${key} = ${JSON.stringify(saved.training?.[key])}, this request has ${JSON.stringify(value)}`,
        );
      }
    }
  }

  private async execute(run: Run, events: AsyncGenerator<DistillationProgress>): Promise<void> {
    try {
      for await (const event of events) {
        const state =
          event.kind === "done"
            ? RunState.SUCCEEDED
            : event.kind === "cancelled"
              ? RunState.CANCELLED
              : RunState.RUNNING;
        run.best = event.best;
        this.update(run, state, event, event.kind);
      }
      // The core always ends with "done" or "cancelled"; anything else is a bug worth recording.
      if (!isTerminal(run.state)) throw new Error("the distillation ended without a final event");
    } catch (error) {
      run.error = error instanceof Error ? error.message : String(error);
      this.update(run, RunState.FAILED, undefined, run.error);
    }
  }

  private update(run: Run, state: RunState, event: DistillationProgress | undefined, message: string): void {
    run.state = state;
    run.progress = event
      ? {
          runId: run.id,
          state,
          step: event.step,
          totalSteps: event.totalSteps,
          loss: event.loss,
          tokensPerSecond: event.tokensPerSecond,
          etaSeconds: event.etaSeconds,
          latestEvaluation: wireEvaluation(event.latestEvaluation),
          message,
        }
      : { ...run.progress, state, message };
    this.record(run);
    for (const watcher of run.watchers) watcher(run.progress);
  }

  /** Writes the run's status next to its files (atomically), so a restarted service can restore it. */
  private record(run: Run): void {
    const saved: SavedRunStatus = {
      state: run.state,
      progress: run.progress,
      best: run.best,
      error: run.error,
      draftAddresses: run.draftAddresses,
    };
    const path = join(run.dir, STATUS_FILE);
    try {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(saved, null, 2)}\n`);
      renameSync(`${path}.tmp`, path);
    } catch {
      // The run directory may be gone (deleted by an operator); the in-memory record still serves.
    }
  }
}

/** Waits for `promise`, or rejects with the signal's reason once it aborts. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
