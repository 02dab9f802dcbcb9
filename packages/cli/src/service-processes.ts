import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { defaultModelPaths, servingDraftPath } from "@distillspec/model";

// Runs the three services as separate child processes, as they are deployed: each its own node process
// and onnxruntime, talking over loopback gRPC. Used by `distillspec serve` and `bench serve`.

export type ServiceName = "target-verifier" | "draft-proposer" | "controller";

export interface ServiceProcessOptions {
  /** Directory with tokenizer.json, target.ckpt and draft.ckpt (default "models"). */
  modelsDir?: string;
  /** Default `<modelsDir>/target.ckpt`. */
  targetCheckpoint?: string;
  /** Default `<modelsDir>/draft-distilled.ckpt` if present, else `<modelsDir>/draft.ckpt`. */
  draftCheckpoint?: string;
  /** A draft distilled for greedy decoding: as many more draft-proposers, used for temperature-0 requests. */
  greedyDraftCheckpoint?: string;
  /** Default `<modelsDir>/tokenizer.json`. */
  tokenizer?: string;
  targetReplicas?: number;
  draftReplicas?: number;
  /** onnxruntime intra-op threads per model service. */
  threads?: number;
  /** Intra-op threads of the target-verifiers (default `threads`). */
  targetThreads?: number;
  /** Intra-op threads of the draft-proposers (default `threads`). */
  draftThreads?: number;
  /** Most sequences per batched onnxruntime run in each model service (default: the services' own). */
  maxBatch?: number;
  host?: string;
  /** Controller port; 0 (default) picks a free one. Model services always use a free port. */
  controllerPort?: number;
  /** How long one service may take to print its listening line (default 120 s: model load on a busy machine). */
  readyTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace period of stop() (default 10 s). */
  stopGraceMs?: number;
  /** Receives the services' stderr lines, prefixed with the service name; dropped when omitted. */
  log?: (line: string) => void;
}

export interface ServiceExit {
  service: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcesses {
  addresses: { controller: string; targets: string[]; drafts: string[]; greedyDrafts: string[] };
  /** The checkpoints the model services loaded (absolute paths). */
  checkpoints: { target: string; draft: string; greedyDraft?: string };
  pids: { controller: number; targets: number[]; drafts: number[]; greedyDrafts: number[] };
  /** Resolves when a service exits before stop() was called (a crash); never resolves otherwise. */
  unexpectedExit: Promise<ServiceExit>;
  /** SIGTERM to every service, then waits for them to exit (SIGKILL after the grace period). */
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SERVICE_ENTRY: Record<ServiceName, string> = {
  "target-verifier": resolve(REPO_ROOT, "services/target-verifier/src/main.ts"),
  "draft-proposer": resolve(REPO_ROOT, "services/draft-proposer/src/main.ts"),
  controller: resolve(REPO_ROOT, "services/controller/src/main.ts"),
};
// Resolved here rather than `--import tsx`, which would resolve from the child's cwd.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
// Loaded into every child: if this process dies without cleaning up (SIGKILL), the child is re-parented
// and its ppid changes; it then shuts itself down instead of living on as an orphan.
const ORPHAN_WATCHDOG = `data:text/javascript,${encodeURIComponent(
  "const p=process.ppid;setInterval(()=>{if(process.ppid!==p)process.kill(process.pid,'SIGTERM')},500).unref();",
)}`;
const STDERR_TAIL_CHARS = 4000;

// ---- every live child of this process, so that exit and signals can take them down ----

const live = new Set<ChildProcess>();
const PARENT_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let hooksInstalled = false;

/** Service processes of this process that have not exited yet (all ServiceProcesses together). */
export function liveServiceProcessCount(): number {
  return live.size;
}

function killAllNow(): void {
  for (const child of live) child.kill("SIGKILL");
}

function onParentSignal(signal: NodeJS.Signals): void {
  // Adding a listener disabled node's default "exit on signal": restore it (the exit hook then kills the
  // children) unless someone else handles the signal, e.g. `distillspec serve`, which stops the services
  // gracefully and exits itself.
  if (process.listenerCount(signal) === 1) process.exit(128 + (constants.signals[signal] ?? 0));
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => {
    live.delete(child);
    if (live.size === 0) uninstallHooks();
  });
  if (!hooksInstalled) {
    hooksInstalled = true;
    process.on("exit", killAllNow);
    for (const signal of PARENT_SIGNALS) process.on(signal, onParentSignal);
  }
}

function uninstallHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.off("exit", killAllNow);
  for (const signal of PARENT_SIGNALS) process.off(signal, onParentSignal);
}

// ---- one service ----

interface RunningService {
  name: string;
  child: ChildProcess;
  port: number;
  exited: Promise<ServiceExit>;
}

class StderrTail {
  private text = "";
  push(line: string): void {
    this.text = `${this.text}${line}\n`.slice(-STDERR_TAIL_CHARS);
  }
  toString(): string {
    return this.text.trim() || "(no stderr output)";
  }
}

function startService(
  service: ServiceName,
  label: string,
  args: string[],
  options: { readyTimeoutMs: number; log?: (line: string) => void },
): Promise<RunningService> {
  const child = spawn(
    process.execPath,
    ["--import", TSX_LOADER, "--import", ORPHAN_WATCHDOG, SERVICE_ENTRY[service], ...args],
    {
      // Own process group: a terminal Ctrl-C reaches only this process, which then stops the services in
      // order, instead of every service also getting SIGINT and racing the shutdown.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    },
  );
  track(child);
  const tail = new StderrTail();
  const exited = new Promise<ServiceExit>((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit({ service: label, pid: child.pid ?? -1, code, signal }));
  });
  // Services already prefix most of their own lines with "[name]".
  const logLine = (line: string) => options.log?.(line.startsWith("[") ? line : `[${label}] ${line}`);
  createInterface({ input: child.stderr! }).on("line", (line) => {
    tail.push(line);
    logLine(line);
  });
  const stdout = createInterface({ input: child.stdout! });

  return new Promise<RunningService>((resolveReady, rejectReady) => {
    let settled = false;
    const fail = (problem: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      rejectReady(new Error(`${label} ${problem}\n--- ${label} stderr ---\n${tail}`));
    };
    const timer = setTimeout(
      () => fail(`did not report listening within ${options.readyTimeoutMs} ms`),
      options.readyTimeoutMs,
    );
    child.once("error", (error) => fail(`could not be started: ${error.message}`));
    void exited.then(({ code, signal }) =>
      // Give the stderr reader a moment to collect the last lines (the reason it failed).
      setTimeout(() => fail(`exited before listening (code ${code}, signal ${signal})`), 50),
    );
    stdout.on("line", (line) => {
      if (settled) {
        logLine(line);
        return;
      }
      let event: { event?: string; port?: number } | undefined;
      try {
        event = JSON.parse(line);
      } catch {
        event = undefined;
      }
      if (event?.event === "listening" && typeof event.port === "number") {
        settled = true;
        clearTimeout(timer);
        resolveReady({ name: label, child, port: event.port, exited });
      } else logLine(line);
    });
  });
}

async function stopService(service: RunningService, graceMs: number): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await service.exited;
  clearTimeout(timer);
}

function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new Error(`${what} ${path} does not exist`);
}

export async function startServiceProcesses(options: ServiceProcessOptions = {}): Promise<ServiceProcesses> {
  const modelsDir = options.modelsDir ?? "models";
  const defaults = defaultModelPaths(modelsDir);
  // Absolute paths: the children need not share this process's idea of the working directory.
  const targetCheckpoint = resolve(options.targetCheckpoint ?? defaults.target);
  const draftCheckpoint = resolve(options.draftCheckpoint ?? servingDraftPath(modelsDir));
  const tokenizer = resolve(options.tokenizer ?? defaults.tokenizer);
  requireFile(targetCheckpoint, "target checkpoint");
  requireFile(draftCheckpoint, "draft checkpoint");
  requireFile(tokenizer, "tokenizer");
  const greedyDraftCheckpoint = options.greedyDraftCheckpoint && resolve(options.greedyDraftCheckpoint);
  if (greedyDraftCheckpoint) requireFile(greedyDraftCheckpoint, "greedy draft checkpoint");
  const targetReplicas = options.targetReplicas ?? 1;
  const draftReplicas = options.draftReplicas ?? 1;
  if (!(targetReplicas >= 1 && draftReplicas >= 1)) throw new RangeError("replica counts must be ≥ 1");
  const host = options.host ?? "127.0.0.1";
  const targetThreads = String(options.targetThreads ?? options.threads ?? 1);
  const draftThreads = String(options.draftThreads ?? options.threads ?? 1);
  const graceMs = options.stopGraceMs ?? 10_000;
  const startOptions = { readyTimeoutMs: options.readyTimeoutMs ?? 120_000, log: options.log };

  const started: RunningService[] = [];
  const stopAll = async () => {
    // Controller first, so it does not see its replicas disappear under in-flight calls.
    const controllers = started.filter((s) => s.name === "controller");
    await Promise.all(controllers.map((s) => stopService(s, graceMs)));
    await Promise.all(started.filter((s) => s.name !== "controller").map((s) => stopService(s, graceMs)));
  };
  const launch = async (promise: Promise<RunningService>) => {
    const service = await promise;
    started.push(service);
    return service;
  };

  try {
    const modelArgs = (checkpoint: string, threads: string) => [
      "--checkpoint",
      checkpoint,
      "--address",
      `${host}:0`,
      "--threads",
      threads,
      ...(options.maxBatch ? ["--max-batch", String(options.maxBatch)] : []),
    ];
    const label = (name: string, i: number, n: number) => (n > 1 ? `${name}#${i}` : name);
    // Model services load in parallel; allSettled so a failure still lets us stop the ones that came up.
    const results = await Promise.allSettled([
      ...Array.from({ length: targetReplicas }, (_, i) =>
        launch(
          startService(
            "target-verifier",
            label("target-verifier", i, targetReplicas),
            modelArgs(targetCheckpoint, targetThreads),
            startOptions,
          ),
        ),
      ),
      ...Array.from({ length: draftReplicas }, (_, i) =>
        launch(
          startService(
            "draft-proposer",
            label("draft-proposer", i, draftReplicas),
            modelArgs(draftCheckpoint, draftThreads),
            startOptions,
          ),
        ),
      ),
      ...Array.from({ length: greedyDraftCheckpoint ? draftReplicas : 0 }, (_, i) =>
        launch(
          startService(
            "draft-proposer",
            label("draft-proposer-greedy", i, draftReplicas),
            modelArgs(greedyDraftCheckpoint!, draftThreads),
            startOptions,
          ),
        ),
      ),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    const services = results.map((r) => (r as PromiseFulfilledResult<RunningService>).value);
    const address = (s: RunningService) => `${host}:${s.port}`;
    const targetServices = services.slice(0, targetReplicas);
    const targets = targetServices.map(address);
    const draftServices = services.slice(targetReplicas, targetReplicas + draftReplicas);
    const greedyServices = services.slice(targetReplicas + draftReplicas);
    const drafts = draftServices.map(address);
    const greedyDrafts = greedyServices.map(address);
    const controller = await launch(
      startService(
        "controller",
        "controller",
        [
          "--target",
          targets.join(","),
          "--draft",
          drafts.join(","),
          "--tokenizer",
          tokenizer,
          "--address",
          `${host}:${options.controllerPort ?? 0}`,
          ...(greedyDrafts.length > 0 ? ["--greedy-draft", greedyDrafts.join(",")] : []),
        ],
        startOptions,
      ),
    );

    let stopping: Promise<void> | undefined;
    const unexpectedExit = new Promise<ServiceExit>((resolveExit) => {
      for (const s of started) void s.exited.then((exit) => stopping === undefined && resolveExit(exit));
    });
    return {
      addresses: { controller: `${host}:${controller.port}`, targets, drafts, greedyDrafts },
      checkpoints: { target: targetCheckpoint, draft: draftCheckpoint, greedyDraft: greedyDraftCheckpoint },
      pids: {
        controller: controller.child.pid!,
        targets: targetServices.map((s) => s.child.pid!),
        drafts: draftServices.map((s) => s.child.pid!),
        greedyDrafts: greedyServices.map((s) => s.child.pid!),
      },
      unexpectedExit,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
