import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, resolve } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { createClient, type ServiceClient, type ServiceMethods } from "@distillspec/grpc";
import { defaultModelPaths, servingDraftPath } from "@distillspec/model";
import {
  ControllerService,
  DecodingMode,
  DraftProposerService,
  type GenerateRequestSchema,
  type GenerationStats,
  Health,
  type ModelInfo,
} from "@distillspec/proto";
import { loadTokenizer } from "@distillspec/tokenizer";
import { type Cell, formatTable } from "./format-table.js";
import { type HeldOutPrompt, heldOutPrompts } from "./held-out-prompts.js";
import { startServiceProcesses } from "./service-processes.js";
import { median, repeat } from "./timing.js";

// `distillspec bench serve`: speculative decoding as deployed — three service processes over loopback
// gRPC — against target-only decoding through the same controller, interleaved prompt by prompt so load
// from other processes hits both alike. Wall times are measured by the client around the whole stream.

export interface ServeBenchSettings {
  /** Lookahead γ of the main comparison and the throughput runs. */
  gamma: number;
  maxNewTokens: number;
  /** Prompts of the main comparison (greedy and sampled). */
  prompts: number;
  /** Length of the SOTU passages. */
  promptTokens: number;
  /** Temperature of the sampled comparison (seeded per prompt). */
  temperature: number;
  seed: number;
  sweepGammas: number[];
  /** Prompts per γ in the sweep (the first ones of the main comparison). */
  sweepPrompts: number;
  /** Concurrent streams of the throughput run. */
  concurrency: number;
  /** Repetitions of the (1 stream, N streams) throughput pair, order alternating. */
  throughputReps: number;
  targetReplicas: number;
  draftReplicas: number;
  /** onnxruntime threads per model service. */
  threads: number;
  /** Speculative requests draft the next block during verification (GenerateRequest.lookahead). */
  lookahead: boolean;
}

export function serveBenchSettings(quick: boolean): ServeBenchSettings {
  return {
    gamma: 4,
    maxNewTokens: quick ? 24 : 64,
    prompts: quick ? 4 : 20,
    promptTokens: 32,
    temperature: 1,
    seed: 1,
    sweepGammas: [1, 2, 3, 4, 5, 6, 7, 8],
    sweepPrompts: quick ? 2 : 6,
    concurrency: 16,
    throughputReps: quick ? 1 : 2,
    targetReplicas: 1,
    draftReplicas: 1,
    threads: 1,
    // Off: on 2 shared cores drafting during verification slows the verification more than it saves.
    lookahead: false,
  };
}

export interface ServeBenchOptions {
  quick?: boolean;
  modelsDir?: string;
  targetPath?: string;
  /** Default: the distilled draft when models/ has one, else the pretrained draft. */
  draftPath?: string;
  /** Compared against a distilled serving draft (default `<models>/draft.ckpt`). */
  baseDraftPath?: string;
  /** A draft distilled for greedy decoding, served to temperature-0 requests by its own draft-proposer. */
  greedyDraftPath?: string;
  tokenizerPath?: string;
  settings?: Partial<ServeBenchSettings>;
  /** Progress lines; silent when omitted. */
  log?: (line: string) => void;
}

export interface BenchTarget {
  limit: string;
  value: number;
  pass: boolean;
}

export interface SweepPoint {
  gamma: number;
  speedup: number;
  alpha: number;
  tau: number;
  target_only_ms: number;
  speculative_ms: number;
  predicted_speedup: number;
}

export interface ServeBenchReport {
  timestamp: string;
  quick: boolean;
  machine: {
    cpus: number;
    model: string;
    node: string;
    loadavg_at_start: number[];
    loadavg_at_end: number[];
  };
  settings: ServeBenchSettings;
  checkpoints: { target: string; draft: string; greedyDraft?: string; tokenizer: string };
  models: {
    target: { name: string; params: number };
    draft: { name: string; params: number };
    param_ratio: number;
  };
  prompt_sources: Record<string, number>;
  /** Prompts cut (from the front) to leave room for generation in a short context. */
  prompts_trimmed: number;
  duration_s: number;
  speedup_greedy: number;
  speedup_sampled: number;
  alpha: number;
  tau: number;
  acceptance_per_position: number[];
  alpha_sampled: number;
  tau_sampled: number;
  acceptance_per_position_sampled: number[];
  cost_ratio_c: number;
  draft_ms_per_token: number;
  target_ms_per_token: number;
  speculative_ms_per_token: number;
  predicted_speedup: number;
  efficiency: number;
  /** Per speculative round (greedy, main γ), as the controller measured them. */
  round: {
    rounds_per_generation: number;
    draft_ms: number;
    verify_ms: number;
    /** Client wall time per round not inside the Propose and Score calls, nor in opening the sessions. */
    other_ms: number;
    /** Opening both sessions (prefilling the prompt into both caches), per generation, not per round. */
    prefill_ms_per_generation: number;
    verify_ms_over_target_step: number;
    /** Request/response exchanges with model services per round (one per service, on session streams). */
    model_round_trips: number;
    /**
     * Rounds whose proposal was drafted during the previous verification (lookahead), of all rounds.
     * draft_ms (and so c) counts only the drafting the controller waited for.
     */
    lookahead_hit_rate: number;
    /** Median unary call (health check) from this process to the target-verifier: the floor of one RPC. */
    grpc_round_trip_ms: number;
  };
  greedy_outputs_identical: number;
  /**
   * When the serving draft is a distilled one: the main comparison repeated with the draft it came from,
   * hot-swapped into the same services (null otherwise).
   */
  non_distilled: NonDistilledComparison | null;
  gamma_sweep: SweepPoint[];
  throughput_tokens_per_s_1: number;
  throughput_tokens_per_s_16: number;
  throughput_gain_16: number;
  /** Mean wall time of one stream, alone vs among `concurrency`. */
  stream_ms_1: number;
  stream_ms_16: number;
  /** CPUs used per process in the 1-stream and the N-stream runs (absent without /proc). */
  throughput_cpu?: { single: CpuShare; concurrent: CpuShare };
  targets: { speedup_greedy: BenchTarget; efficiency: BenchTarget; throughput_gain_16: BenchTarget };
  notes: string[];
}

export const SPEEDUP_GREEDY_MIN = 1.8;
export const EFFICIENCY_MIN = 0.8;
export const THROUGHPUT_GAIN_MIN = 3;

type Request = MessageInitShape<typeof GenerateRequestSchema>;
type Controller = ServiceClient<ServiceMethods<typeof ControllerService>>;

interface Generation {
  wallMs: number;
  tokens: number[];
  stats: GenerationStats;
}

async function generate(controller: Controller, request: Request): Promise<Generation> {
  const tokens: number[] = [];
  let stats: GenerationStats | undefined;
  const started = performance.now();
  for await (const message of controller.generate(request)) {
    if (message.event.case === "delta") tokens.push(...message.event.value.tokenIds);
    else if (message.event.case === "stats") stats = message.event.value;
  }
  const wallMs = performance.now() - started;
  if (!stats) throw new Error("the Generate stream ended without statistics");
  return { wallMs, tokens, stats };
}

/** Sums of the speculative runs' statistics; α, τ and per-position rates are ratios of the sums. */
class SpecTotals {
  generations = 0;
  wallMs = 0;
  tokens = 0;
  rounds = 0;
  drafts = 0;
  draftTokens = 0;
  accepted = 0;
  emitted = 0;
  draftNs = 0;
  targetNs = 0;
  prefillNs = 0;
  lookaheadHits = 0;
  acceptedPerPos: number[] = [];
  reachedPerPos: number[] = [];

  add(g: Generation): void {
    const s = g.stats;
    this.generations++;
    this.wallMs += g.wallMs;
    this.tokens += g.tokens.length;
    this.rounds += s.numRounds;
    this.drafts += Number(s.numDrafts);
    this.draftTokens += Number(s.numDraftTokens);
    this.accepted += Number(s.numAcceptedTokens);
    this.emitted += s.numEmittedTokens;
    this.draftNs += Number(s.draftNs);
    this.targetNs += Number(s.targetNs);
    this.prefillNs += Number(s.prefillNs);
    this.lookaheadHits += s.lookaheadHits;
    s.numAcceptedTokensPerPos.forEach((n, i) => {
      const accepted = Number(n);
      const rate = s.acceptancePerPosition[i] ?? 0;
      // The wire carries accepted counts and rates, not how many drafts reached each position: recover
      // it as accepted / rate; with no acceptance there, every draft accepted up to i − 1 reached it
      // (an upper bound only when the last round's proposal was shortened).
      const reached =
        rate > 0
          ? Math.round(accepted / rate)
          : i === 0
            ? Number(s.numDrafts)
            : Number(s.numAcceptedTokensPerPos[i - 1]);
      this.acceptedPerPos[i] = (this.acceptedPerPos[i] ?? 0) + accepted;
      this.reachedPerPos[i] = (this.reachedPerPos[i] ?? 0) + reached;
    });
  }
  get alpha(): number {
    return ratio(this.accepted, this.draftTokens);
  }
  get tau(): number {
    return ratio(this.emitted, this.drafts);
  }
  get acceptancePerPosition(): number[] {
    return this.acceptedPerPos.map((a, i) => ratio(a, this.reachedPerPos[i]));
  }
}

class Totals {
  wallMs = 0;
  tokens = 0;
  add(g: Generation): void {
    this.wallMs += g.wallMs;
    this.tokens += g.tokens.length;
  }
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const round2 = (x: number) => Math.round(x * 100) / 100;
const sameTokens = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((t, i) => t === b[i]);

type RequestExtra = Pick<Request, "gamma" | "maxNewTokens" | "sampling">;

function benchRequest(s: ServeBenchSettings, prompt: HeldOutPrompt, extra: RequestExtra = {}): Request {
  return {
    prompt: { case: "text", value: prompt.text },
    maxNewTokens: s.maxNewTokens,
    gamma: s.gamma,
    lookahead: s.lookahead,
    ...extra,
  };
}

function sampledBenchRequest(s: ServeBenchSettings, prompt: HeldOutPrompt, i: number): Request {
  return benchRequest(s, prompt, {
    sampling: { temperature: s.temperature, seed: BigInt(s.seed * 1000 + i) },
  });
}

/**
 * Per prompt a greedy and a sampled (target-only, speculative) pair, target-only first every other time:
 * the side-by-side wall times, the speculative statistics, and how many greedy outputs were identical.
 */
async function mainComparison(
  controller: Controller,
  prompts: HeldOutPrompt[],
  s: ServeBenchSettings,
  log: (line: string) => void = () => {},
) {
  const greedy = { targetOnly: new Totals(), speculative: new SpecTotals(), identical: 0 };
  const sampled = { targetOnly: new Totals(), speculative: new SpecTotals() };
  for (const [i, prompt] of prompts.entries()) {
    const g = await pair(controller, benchRequest(s, prompt), i % 2 === 0);
    greedy.targetOnly.add(g.targetOnly);
    greedy.speculative.add(g.speculative);
    if (sameTokens(g.targetOnly.tokens, g.speculative.tokens)) greedy.identical++;
    const t = await pair(controller, sampledBenchRequest(s, prompt, i), i % 2 === 1);
    sampled.targetOnly.add(t.targetOnly);
    sampled.speculative.add(t.speculative);
    log(
      `prompt ${i + 1}/${prompts.length} (${prompt.id}): greedy ${(g.targetOnly.wallMs / g.speculative.wallMs).toFixed(2)}×, ` +
        `sampled ${(t.targetOnly.wallMs / t.speculative.wallMs).toFixed(2)}×, τ ${g.speculative.stats.tau.toFixed(2)}`,
    );
  }
  return { greedy, sampled };
}

/**
 * The main comparison again with another draft hot-swapped into every draft-proposer of every pool (the
 * default one and the greedy one, if any) by Reload, then each pool's own draft swapped back: what
 * distillation changed, measured on the same services and prompts.
 */
async function measureOtherDraft(
  controller: Controller,
  pools: readonly { addresses: readonly string[]; serving: string }[],
  other: string,
  prompts: HeldOutPrompt[],
  s: ServeBenchSettings,
) {
  const replicas = pools.flatMap((pool) =>
    pool.addresses.map((a) => ({ client: createClient(DraftProposerService, a), serving: pool.serving })),
  );
  const reload = (r: (typeof replicas)[number], path: string) =>
    r.client.reload({ checkpointPath: resolve(path) });
  try {
    await Promise.all(replicas.map((r) => reload(r, other)));
    const { greedy, sampled } = await mainComparison(controller, prompts, s);
    return {
      checkpoint: other,
      alpha: greedy.speculative.alpha,
      tau: greedy.speculative.tau,
      alpha_sampled: sampled.speculative.alpha,
      tau_sampled: sampled.speculative.tau,
      speedup_greedy: ratio(greedy.targetOnly.wallMs, greedy.speculative.wallMs),
      speedup_sampled: ratio(sampled.targetOnly.wallMs, sampled.speculative.wallMs),
    };
  } finally {
    await Promise.all(replicas.map((r) => reload(r, r.serving)));
    for (const r of replicas) r.client.$close();
  }
}

/** Target-only and speculative on the same request, the order alternating with `targetFirst`. */
async function pair(controller: Controller, request: Request, targetFirst: boolean) {
  const targetOnly = { ...request, mode: DecodingMode.TARGET_ONLY };
  const speculative = { ...request, mode: DecodingMode.SPECULATIVE };
  if (targetFirst) {
    const t = await generate(controller, targetOnly);
    return { targetOnly: t, speculative: await generate(controller, speculative) };
  }
  const s = await generate(controller, speculative);
  return { targetOnly: await generate(controller, targetOnly), speculative: s };
}

const modelSummary = (info: ModelInfo | undefined) => ({
  name: info?.name ?? "unknown",
  params: Number(info?.parameterCount ?? 0),
});

export async function runServeBench(options: ServeBenchOptions = {}): Promise<ServeBenchReport> {
  const quick = options.quick ?? false;
  const s: ServeBenchSettings = { ...serveBenchSettings(quick), ...options.settings };
  const log = options.log ?? (() => {});
  const paths = defaultModelPaths(options.modelsDir ?? "models");
  const checkpoints = {
    target: options.targetPath ?? paths.target,
    draft: options.draftPath ?? servingDraftPath(options.modelsDir ?? "models"),
    greedyDraft: options.greedyDraftPath,
    tokenizer: options.tokenizerPath ?? paths.tokenizer,
  };
  const startedAt = performance.now();
  const loadavgAtStart = os.loadavg().map(round2);

  const tokenizer = await loadTokenizer(checkpoints.tokenizer);
  const prompts = heldOutPrompts(s.prompts, { seed: s.seed, promptTokens: s.promptTokens, tokenizer });
  log(
    `starting services: ${s.targetReplicas} target (${checkpoints.target}), ${s.draftReplicas} draft (${checkpoints.draft})`,
  );
  const services = await startServiceProcesses({
    modelsDir: options.modelsDir,
    targetCheckpoint: checkpoints.target,
    draftCheckpoint: checkpoints.draft,
    greedyDraftCheckpoint: checkpoints.greedyDraft,
    tokenizer: checkpoints.tokenizer,
    targetReplicas: s.targetReplicas,
    draftReplicas: s.draftReplicas,
    threads: s.threads,
    log: (line) => log(line),
  });
  const controller = createClient(ControllerService, services.addresses.controller);
  try {
    // A crashed service must fail the run, not hang it.
    const crashed = services.unexpectedExit.then((exit) => {
      throw new Error(
        `${exit.service} exited during the benchmark (code ${exit.code}, signal ${exit.signal})`,
      );
    });
    crashed.catch(() => {}); // a crash after the measurements must not become an unhandled rejection
    const topology = await controller.topology({});
    // Keep the end of a prompt too long for the context (the question of an arithmetic prompt); only
    // models with a short context (tests) ever need it.
    const context = Math.min(topology.target?.contextLength ?? 0, topology.draft?.contextLength ?? 0);
    const room = context - s.maxNewTokens - Math.max(...s.sweepGammas, s.gamma) - 1;
    let trimmed = 0;
    const fitted = prompts.map((p) => {
      const ids = tokenizer.encode(p.text);
      if (ids.length <= room) return p;
      trimmed++;
      return { ...p, text: tokenizer.decode(ids.slice(-Math.max(room, 1))) };
    });
    const { pids } = services;
    const draftPids = [...pids.drafts, ...pids.greedyDrafts];
    const measured = measure(controller, { ...pids, drafts: draftPids }, fitted, s, log);
    measured.catch(() => {}); // after a crash its calls fail too; the crash is the error to report
    const result = await Promise.race([measured, crashed]);
    // Serving a distilled draft: the same comparison with the draft it was distilled from.
    const base = options.baseDraftPath ?? paths.draft;
    let nonDistilled: NonDistilledComparison | null = null;
    if (resolve(base) !== resolve(checkpoints.draft)) {
      log(`the same prompts with the non-distilled draft (${base}), hot-swapped in`);
      const pools = [{ addresses: services.addresses.drafts, serving: checkpoints.draft }];
      if (checkpoints.greedyDraft)
        pools.push({ addresses: services.addresses.greedyDrafts, serving: checkpoints.greedyDraft });
      const other = measureOtherDraft(controller, pools, base, fitted, s);
      other.catch(() => {});
      nonDistilled = await Promise.race([other, crashed]);
    }
    const roundTripMs = await grpcRoundTripMs(services.addresses.targets[0]);
    const target = modelSummary(topology.target);
    const draft = modelSummary(topology.draft);
    return buildReport({
      quick,
      s,
      checkpoints,
      target,
      draft,
      prompts,
      trimmed,
      result,
      nonDistilled,
      roundTripMs,
      loadavgAtStart,
      durationS: (performance.now() - startedAt) / 1000,
    });
  } finally {
    controller.$close();
    await services.stop();
  }
}

interface Measurements {
  greedy: { targetOnly: Totals; speculative: SpecTotals; identical: number };
  sampled: { targetOnly: Totals; speculative: SpecTotals };
  sweep: { gamma: number; targetOnly: Totals; speculative: SpecTotals }[];
  throughput: {
    single: Totals;
    concurrent: Totals;
    concurrentStreams: number;
    cpu: { single: CpuShare; concurrent: CpuShare } | undefined;
  };
}

export type ServicePids = { controller: number; targets: number[]; drafts: number[] };

/** CPUs each process kept busy during a phase: CPU seconds / wall seconds (1 = one core flat out). */
export interface CpuShare {
  controller: number;
  target: number;
  draft: number;
  client: number;
}

// Linux USER_HZ; /proc/<pid>/stat counts CPU time in these ticks.
const CLOCK_TICKS_PER_S = 100;

/** utime + stime of a process in seconds, from /proc (undefined where there is no /proc). */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name start at field 3; utime and stime are fields 14, 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** Starts CPU accounting of the services and this process; the returned function ends it. */
function cpuMeter(pids: ServicePids): (() => CpuShare | undefined) | undefined {
  const read = () => {
    const of = (list: number[]) => {
      const values = list.map(processCpuSeconds);
      return values.every((v) => v !== undefined) ? sum(values as number[]) : undefined;
    };
    const usage = process.cpuUsage();
    return {
      controller: of([pids.controller]),
      target: of(pids.targets),
      draft: of(pids.drafts),
      client: (usage.user + usage.system) / 1e6,
      wall: performance.now() / 1000,
    };
  };
  const start = read();
  if (start.controller === undefined || start.target === undefined || start.draft === undefined)
    return undefined;
  return () => {
    const end = read();
    const wall = end.wall - start.wall;
    const share = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined ? Number.NaN : (b - a) / wall;
    return {
      controller: share(start.controller, end.controller),
      target: share(start.target, end.target),
      draft: share(start.draft, end.draft),
      client: share(start.client, end.client),
    };
  };
}

function addShare(
  total: CpuShare | undefined,
  part: CpuShare | undefined,
  weight: number,
): CpuShare | undefined {
  if (!part) return total;
  const base = total ?? { controller: 0, target: 0, draft: 0, client: 0 };
  return {
    controller: base.controller + weight * part.controller,
    target: base.target + weight * part.target,
    draft: base.draft + weight * part.draft,
    client: base.client + weight * part.client,
  };
}

async function measure(
  controller: Controller,
  pids: ServicePids,
  prompts: HeldOutPrompt[],
  s: ServeBenchSettings,
  log: (line: string) => void,
): Promise<Measurements> {
  const request = (prompt: HeldOutPrompt, extra: RequestExtra = {}) => benchRequest(s, prompt, extra);

  // Warm-up (untimed): onnxruntime sessions, JIT, gRPC channels, and batched shapes of the concurrent run.
  log("warm-up");
  await pair(controller, request(prompts[0]), true);
  await pair(controller, sampledBenchRequest(s, prompts[0], 0), false);
  await Promise.all(
    Array.from({ length: Math.min(s.concurrency, 4) }, (_, i) =>
      generate(controller, request(prompts[i % prompts.length], { maxNewTokens: 8 })),
    ),
  );

  // ---- main comparison: per prompt a greedy and a sampled pair, target-only first every other time ----
  const { greedy, sampled } = await mainComparison(controller, prompts, s, log);

  // ---- γ sweep (greedy): each γ paired with its own target-only run; γ order rotates per prompt ----
  const sweep = s.sweepGammas.map((gamma) => ({
    gamma,
    targetOnly: new Totals(),
    speculative: new SpecTotals(),
  }));
  const sweepPrompts = prompts.slice(0, Math.min(s.sweepPrompts, prompts.length));
  for (const [p, prompt] of sweepPrompts.entries()) {
    for (let k = 0; k < sweep.length; k++) {
      const point = sweep[(k + p) % sweep.length];
      const r = await pair(controller, request(prompt, { gamma: point.gamma }), (k + p) % 2 === 0);
      point.targetOnly.add(r.targetOnly);
      point.speculative.add(r.speculative);
    }
    log(`γ sweep: prompt ${p + 1}/${sweepPrompts.length}`);
  }

  // ---- throughput: the same `concurrency` prompts one after another vs all at once ----
  const streamPrompts = Array.from({ length: s.concurrency }, (_, i) => prompts[i % prompts.length]);
  const single = new Totals();
  const concurrent = new Totals();
  // Where the CPU goes in each mode (averaged over the reps): shows which process saturates.
  let cpuSingle: CpuShare | undefined;
  let cpuConcurrent: CpuShare | undefined;
  const perRep = 1 / s.throughputReps;
  const runSingle = async () => {
    const meter = cpuMeter(pids);
    for (const prompt of streamPrompts) single.add(await generate(controller, request(prompt)));
    cpuSingle = addShare(cpuSingle, meter?.(), perRep);
  };
  const runConcurrent = async () => {
    const meter = cpuMeter(pids);
    const started = performance.now();
    const all = await Promise.all(streamPrompts.map((prompt) => generate(controller, request(prompt))));
    concurrent.wallMs += performance.now() - started;
    cpuConcurrent = addShare(cpuConcurrent, meter?.(), perRep);
    for (const g of all) concurrent.tokens += g.tokens.length;
    return all;
  };
  let streamMsSum = 0;
  for (let rep = 0; rep < s.throughputReps; rep++) {
    const concurrentFirst = rep % 2 === 1;
    if (concurrentFirst) streamMsSum += sum((await runConcurrent()).map((g) => g.wallMs));
    await runSingle();
    if (!concurrentFirst) streamMsSum += sum((await runConcurrent()).map((g) => g.wallMs));
    log(`throughput: rep ${rep + 1}/${s.throughputReps}`);
  }
  return {
    greedy,
    sampled,
    sweep,
    throughput: {
      single,
      concurrent,
      concurrentStreams: streamMsSum / (s.throughputReps * s.concurrency),
      cpu: cpuSingle && cpuConcurrent ? { single: cpuSingle, concurrent: cpuConcurrent } : undefined,
    },
  };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** The cost of a gRPC call that does no work, to tell transport overhead from model time. */
async function grpcRoundTripMs(address: string): Promise<number> {
  const health = createClient(Health, address);
  try {
    return median(await repeat(() => health.check({ service: "" }), { reps: 50, warmupReps: 5 }));
  } finally {
    health.$close();
  }
}

type NonDistilledComparison = Awaited<ReturnType<typeof measureOtherDraft>>;

interface ReportInput {
  quick: boolean;
  s: ServeBenchSettings;
  checkpoints: ServeBenchReport["checkpoints"];
  target: { name: string; params: number };
  draft: { name: string; params: number };
  prompts: HeldOutPrompt[];
  trimmed: number;
  result: Measurements;
  nonDistilled: NonDistilledComparison | null;
  roundTripMs: number;
  loadavgAtStart: number[];
  durationS: number;
}

function buildReport(input: ReportInput): ServeBenchReport {
  const { s, result } = input;
  const { greedy, sampled, throughput } = result;
  const g = greedy.speculative;
  const speedupGreedy = ratio(greedy.targetOnly.wallMs, g.wallMs);
  const speedupSampled = ratio(sampled.targetOnly.wallMs, sampled.speculative.wallMs);
  const targetMsPerToken = ratio(greedy.targetOnly.wallMs, greedy.targetOnly.tokens);
  const draftMsPerToken = ratio(g.draftNs / 1e6, g.draftTokens);
  const c = ratio(draftMsPerToken, targetMsPerToken);
  const predicted = g.tau / (s.gamma * c + 1);
  const efficiency = ratio(speedupGreedy, predicted);
  const round = {
    rounds_per_generation: ratio(g.rounds, g.generations),
    draft_ms: ratio(g.draftNs / 1e6, g.rounds),
    verify_ms: ratio(g.targetNs / 1e6, g.rounds),
    other_ms: ratio(g.wallMs - (g.draftNs + g.targetNs + g.prefillNs) / 1e6, g.rounds),
    prefill_ms_per_generation: ratio(g.prefillNs / 1e6, g.generations),
    verify_ms_over_target_step: 0,
    // Controller → draft-proposer Propose and controller → target-verifier Score.
    model_round_trips: 2,
    lookahead_hit_rate: ratio(g.lookaheadHits, g.rounds),
    grpc_round_trip_ms: input.roundTripMs,
  };
  round.verify_ms_over_target_step = ratio(round.verify_ms, targetMsPerToken);
  const tps1 = ratio(throughput.single.tokens, throughput.single.wallMs / 1000);
  const tpsN = ratio(throughput.concurrent.tokens, throughput.concurrent.wallMs / 1000);
  const gain = ratio(tpsN, tps1);
  const gammaSweep: SweepPoint[] = result.sweep.map((p) => {
    const pc = ratio(ratio(p.speculative.draftNs / 1e6, p.speculative.draftTokens), targetMsPerToken);
    return {
      gamma: p.gamma,
      speedup: ratio(p.targetOnly.wallMs, p.speculative.wallMs),
      alpha: p.speculative.alpha,
      tau: p.speculative.tau,
      target_only_ms: p.targetOnly.wallMs,
      speculative_ms: p.speculative.wallMs,
      predicted_speedup: p.speculative.tau / (p.gamma * pc + 1),
    };
  });
  const cpus = os.cpus();
  const sources: Record<string, number> = {};
  for (const p of input.prompts) sources[p.source] = (sources[p.source] ?? 0) + 1;

  const report: ServeBenchReport = {
    timestamp: new Date().toISOString(),
    quick: input.quick,
    machine: {
      cpus: cpus.length,
      model: cpus[0]?.model.trim() ?? "unknown",
      node: process.version,
      loadavg_at_start: input.loadavgAtStart,
      loadavg_at_end: os.loadavg().map(round2),
    },
    settings: s,
    checkpoints: input.checkpoints,
    models: {
      target: input.target,
      draft: input.draft,
      param_ratio: ratio(input.target.params, input.draft.params),
    },
    prompt_sources: sources,
    prompts_trimmed: input.trimmed,
    duration_s: input.durationS,
    speedup_greedy: speedupGreedy,
    speedup_sampled: speedupSampled,
    alpha: g.alpha,
    tau: g.tau,
    acceptance_per_position: g.acceptancePerPosition,
    alpha_sampled: sampled.speculative.alpha,
    tau_sampled: sampled.speculative.tau,
    acceptance_per_position_sampled: sampled.speculative.acceptancePerPosition,
    cost_ratio_c: c,
    draft_ms_per_token: draftMsPerToken,
    target_ms_per_token: targetMsPerToken,
    speculative_ms_per_token: ratio(g.wallMs, g.tokens),
    predicted_speedup: predicted,
    efficiency,
    round,
    greedy_outputs_identical: greedy.identical,
    non_distilled: input.nonDistilled,
    gamma_sweep: gammaSweep,
    throughput_tokens_per_s_1: tps1,
    throughput_tokens_per_s_16: tpsN,
    throughput_gain_16: gain,
    stream_ms_1: ratio(throughput.single.wallMs, s.throughputReps * s.concurrency),
    stream_ms_16: throughput.concurrentStreams,
    ...(throughput.cpu ? { throughput_cpu: throughput.cpu } : {}),
    targets: {
      speedup_greedy: {
        limit: `≥ ${SPEEDUP_GREEDY_MIN}`,
        value: speedupGreedy,
        pass: speedupGreedy >= SPEEDUP_GREEDY_MIN,
      },
      efficiency: { limit: `≥ ${EFFICIENCY_MIN}`, value: efficiency, pass: efficiency >= EFFICIENCY_MIN },
      throughput_gain_16: {
        limit: `≥ ${THROUGHPUT_GAIN_MIN}`,
        value: gain,
        pass: gain >= THROUGHPUT_GAIN_MIN,
      },
    },
    notes: [],
  };
  report.notes = explainFailures(report);
  return report;
}

const f = (x: number, digits = 2) => x.toFixed(digits);

/** E[τ] under the i.i.d. acceptance model: (1 − α^(γ+1)) / (1 − α). */
export function expectedTau(alpha: number, gamma: number): number {
  return alpha >= 1 ? gamma + 1 : (1 - alpha ** (gamma + 1)) / (1 - alpha);
}

/** Smallest α whose expected τ reaches `tau` (bisection; E[τ] grows with α), or undefined above γ + 1. */
export function alphaForTau(tau: number, gamma: number): number | undefined {
  if (tau > gamma + 1) return undefined;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (expectedTau(mid, gamma) < tau) lo = mid;
    else hi = mid;
  }
  return hi;
}

const cpuText = (c: CpuShare) =>
  `controller ${f(c.controller)}, target ${f(c.target)}, draft ${f(c.draft)}, bench client ${f(c.client)} ` +
  `(${f(c.controller + c.target + c.draft + c.client)} in all)`;

/** Why a target failed, from the run's own numbers. Empty when every target passed. */
export function explainFailures(r: ServeBenchReport): string[] {
  const notes: string[] = [];
  const { round, settings: s, machine: m } = r;
  // Opening the sessions (prefill) happens once per generation; spread over its rounds.
  const prefillPerRound = round.prefill_ms_per_generation / Math.max(round.rounds_per_generation, 1e-9);
  const roundMs = round.draft_ms + round.verify_ms + round.other_ms + prefillPerRound;
  const perToken = roundMs / Math.max(r.tau, 1e-9);
  // Sampled before the services started, but a 1-minute average: it also shows the minute before.
  const load =
    m.loadavg_at_start[0] > m.cpus * 0.5
      ? ` Other work on the machine: 1-minute load average ${f(m.loadavg_at_start[0])} on ${m.cpus} CPUs ` +
        `when the run started.`
      : "";
  if (!r.targets.speedup_greedy.pass) {
    const same =
      r.models.target.params === r.models.draft.params
        ? ` The target and the draft are the same size (${r.models.target.params} parameters, ` +
          `${r.checkpoints.target} vs ${r.checkpoints.draft}): a draft step costs as much as a target step, ` +
          `so c ≈ 1 and no speedup is possible whatever α is.`
        : "";
    // What α would have to be for the target, at the c this machine measured.
    const tauNeeded = SPEEDUP_GREEDY_MIN * (s.gamma * r.cost_ratio_c + 1);
    const alphaNeeded = alphaForTau(tauNeeded, s.gamma);
    const needed =
      alphaNeeded === undefined
        ? ` Even τ = γ + 1 = ${s.gamma + 1} (α = 1) could not reach ${SPEEDUP_GREEDY_MIN}× at this c: it needs ` +
          `τ ≥ ${SPEEDUP_GREEDY_MIN}·(γc+1) = ${f(tauNeeded)}.`
        : ` Reaching ${SPEEDUP_GREEDY_MIN}× at this c needs τ ≥ ${SPEEDUP_GREEDY_MIN}·(γc+1) = ${f(tauNeeded)}, ` +
          `i.e. α ≥ ${f(alphaNeeded, 3)} under the i.i.d. model, even with no other overhead.`;
    notes.push(
      `speedup_greedy ${f(r.speedup_greedy)} < ${SPEEDUP_GREEDY_MIN}: a speculative round (γ = ${s.gamma}) costs ` +
        `${f(round.draft_ms)} ms drafting (${s.gamma} draft steps, 1 Propose exchange) + ${f(round.verify_ms)} ms ` +
        `verifying (1 Score exchange, ${f(round.verify_ms_over_target_step)}× a target-only step of ` +
        `${f(r.target_ms_per_token)} ms) + ${f(round.other_ms)} ms other (controller, streaming) + ` +
        `${f(prefillPerRound)} ms of prefill (${f(round.prefill_ms_per_generation)} ms per generation, both caches) and ` +
        `yields τ = ${f(r.tau)} tokens: ${f(perToken)} ms/token vs ${f(r.target_ms_per_token)} ms/token ` +
        `target-only. Measured c = ${f(r.cost_ratio_c, 3)} (draft ${f(r.draft_ms_per_token)} ms per drafted ` +
        `token incl. transport, for a draft ${f(r.models.param_ratio, 1)}× smaller than the target) bounds the ` +
        `speedup at τ/(γc+1) = ${f(r.predicted_speedup)}; measured α = ${f(r.alpha, 3)}.` +
        needed +
        same +
        load,
    );
  }
  if (!r.targets.efficiency.pass) {
    // The same round with verification at one target step and no prefill share: what is left of the gap
    // is the drafting, transport and controller time that τ/(γc+1) does not count.
    const idealRoundMs = round.draft_ms + r.target_ms_per_token + round.other_ms;
    const withoutBoth = (r.target_ms_per_token * r.tau) / Math.max(idealRoundMs, 1e-9) / r.predicted_speedup;
    notes.push(
      `efficiency ${f(r.efficiency)} < ${EFFICIENCY_MIN}: τ/(γc+1) assumes one verification costs one ` +
        `target step and rounds cost nothing else. Measured: verification ${f(round.verify_ms)} ms = ` +
        `${f(round.verify_ms_over_target_step)}× a ${f(r.target_ms_per_token)} ms step (its γ+1 positions ` +
        `are not free), and opening the sessions (the prompt's prefill, which speculative decoding cannot ` +
        `shorten) costs ${f(round.prefill_ms_per_generation)} ms per generation, ${f(prefillPerRound)} ms of ` +
        `each ${f(roundMs)} ms round; the controller adds ${f(round.other_ms)} ms per round. With ` +
        `verification at one step and no prefill, the same round would give efficiency ${f(withoutBoth)}. ` +
        `${f(round.rounds_per_generation, 1)} rounds per generation; each crosses process boundaries ` +
        `${2 * round.model_round_trips} times (one request and one response per model service, as messages on ` +
        `open session streams; an empty unary gRPC call costs ${f(round.grpc_round_trip_ms)} ms here).`,
    );
  }
  if (!r.targets.throughput_gain_16.pass) {
    let cpu = "";
    if (r.throughput_cpu) {
      const { single, concurrent: c } = r.throughput_cpu;
      const busy = c.controller + c.target + c.draft + c.client;
      const verifyWork = (s.gamma + 1) / Math.max(r.tau, 1e-9);
      cpu =
        ` CPUs busy per process, 1 stream: ${cpuText(single)}; ${s.concurrency} streams: ${cpuText(c)}, of ` +
        `${m.cpus}.` +
        (busy >= 0.9 * m.cpus
          ? " The CPUs were saturated with many streams, so batching had nothing left to gain."
          : ` The machine was not saturated; the target-verifier (${s.threads} onnxruntime thread(s)) was the ` +
            `busiest process at ${f(c.target)} CPUs, near its ${s.threads}-thread limit: batched verification is largely ` +
            `bound by its compute, each ` +
            `emitted token costs (γ+1)/τ = ${f(verifyWork)} target positions, and the draft and target ` +
            `phases of a round alternate instead of overlapping. \`distillspec bench model\` measures the ceiling ` +
            `this puts on the gain: the target's own throughput from verifying 16 blocks in one run instead of ` +
            `one at a time (verify_batch_gain_16).`);
    }
    notes.push(
      `throughput_gain_16 ${f(r.throughput_gain_16)} < ${THROUGHPUT_GAIN_MIN}: 1 stream ` +
        `${f(r.throughput_tokens_per_s_1, 1)} tokens/s (${f(r.stream_ms_1, 0)} ms per stream), ` +
        `${s.concurrency} streams ${f(r.throughput_tokens_per_s_16, 1)} tokens/s (${f(r.stream_ms_16, 0)} ms per ` +
        `stream). ${s.targetReplicas} target and ${s.draftReplicas} draft process(es), a controller and this ` +
        `client share ${m.cpus} CPUs.` +
        cpu +
        load,
    );
  }
  return notes;
}

/** Numeric report keys in display order, with their targets where they have one. */
export const TABLE_KEYS = [
  "speedup_greedy",
  "speedup_sampled",
  "alpha",
  "tau",
  "alpha_sampled",
  "tau_sampled",
  "cost_ratio_c",
  "draft_ms_per_token",
  "target_ms_per_token",
  "speculative_ms_per_token",
  "predicted_speedup",
  "efficiency",
  "throughput_tokens_per_s_1",
  "throughput_tokens_per_s_16",
  "throughput_gain_16",
  "stream_ms_1",
  "stream_ms_16",
  "greedy_outputs_identical",
] as const satisfies readonly (keyof ServeBenchReport)[];

export function formatServeBenchReport(r: ServeBenchReport): string {
  const targets: Partial<Record<string, BenchTarget>> = r.targets;
  const rows: Cell[][] = TABLE_KEYS.map((key) => {
    const target = targets[key];
    return [key, r[key], target?.limit ?? "", target ? (target.pass ? "pass" : "FAIL") : ""];
  });
  const { machine: m, settings: s, models, round } = r;
  const sweep = r.gamma_sweep.map((p): Cell[] => [
    p.gamma,
    p.speedup,
    p.predicted_speedup,
    p.alpha,
    p.tau,
    p.target_only_ms,
    p.speculative_ms,
  ]);
  return [
    `machine: ${m.cpus} × ${m.model}, node ${m.node}, load average ${m.loadavg_at_start.join(" ")} → ${m.loadavg_at_end.join(" ")}`,
    `models: target ${models.target.name} (${models.target.params} params, ${r.checkpoints.target}), ` +
      `draft ${models.draft.name} (${models.draft.params} params, ${r.checkpoints.draft})` +
      (r.checkpoints.greedyDraft ? `, greedy requests: ${r.checkpoints.greedyDraft}` : ""),
    `settings: γ ${s.gamma}, ${s.maxNewTokens} new tokens, ${s.prompts} prompts (${Object.entries(
      r.prompt_sources,
    )
      .map(([k, v]) => `${v} ${k}`)
      .join(", ")}), sampled T = ${s.temperature}, ${s.concurrency} concurrent streams` +
      `${r.quick ? ", quick" : ""}; ${f(r.duration_s, 0)} s`,
    ...(r.non_distilled
      ? [
          `distilled draft: α ${f(r.alpha)} / ${f(r.alpha_sampled)} (greedy / T = ${s.temperature}), τ ${f(r.tau)} / ` +
            `${f(r.tau_sampled)}, speedup ${f(r.speedup_greedy)} / ${f(r.speedup_sampled)}; non-distilled ` +
            `(${r.non_distilled.checkpoint}, hot-swapped in): α ${f(r.non_distilled.alpha)} / ` +
            `${f(r.non_distilled.alpha_sampled)}, τ ${f(r.non_distilled.tau)} / ${f(r.non_distilled.tau_sampled)}, ` +
            `speedup ${f(r.non_distilled.speedup_greedy)} / ${f(r.non_distilled.speedup_sampled)}`,
        ]
      : []),
    `per round: ${f(round.draft_ms)} ms draft + ${f(round.verify_ms)} ms verify + ${f(round.other_ms)} ms other ` +
      `(empty gRPC call ${f(round.grpc_round_trip_ms)} ms); prefill ${f(round.prefill_ms_per_generation)} ms per generation; ` +
      `lookahead ${s.lookahead ? `on, ${f(100 * round.lookahead_hit_rate, 0)}% of rounds drafted during the previous verification` : "off"}, ` +
      `${f(round.rounds_per_generation, 1)} rounds per generation; acceptance per position ` +
      `${r.acceptance_per_position.map((a) => f(a)).join(" ")}`,
    "",
    formatTable(["key", "value", "target", "pass"], rows),
    "",
    formatTable(["γ", "speedup", "predicted", "α", "τ", "target-only ms", "speculative ms"], sweep),
    ...(r.notes.length > 0 ? ["", "notes:", ...r.notes.map((n) => `- ${n}`)] : []),
  ].join("\n");
}

export interface BenchServeCommandOptions {
  out: string;
  quick?: boolean;
  target?: string;
  draft?: string;
  greedyDraft?: string;
  models?: string;
  targetReplicas?: number;
  draftReplicas?: number;
  threads?: number;
  lookahead?: boolean;
}

/** The CLI entry: runs the benchmark, writes the JSON report, prints the table. */
export async function benchServeCommand(opts: BenchServeCommandOptions): Promise<ServeBenchReport> {
  const report = await runServeBench({
    quick: opts.quick,
    modelsDir: opts.models,
    targetPath: opts.target,
    draftPath: opts.draft,
    greedyDraftPath: opts.greedyDraft,
    settings: {
      ...(opts.targetReplicas ? { targetReplicas: opts.targetReplicas } : {}),
      ...(opts.draftReplicas ? { draftReplicas: opts.draftReplicas } : {}),
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.lookahead ? { lookahead: true } : {}),
    },
    log: (line) => console.error(line),
  });
  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatServeBenchReport(report));
  console.log(`\nwrote ${opts.out}`);
  return report;
}
