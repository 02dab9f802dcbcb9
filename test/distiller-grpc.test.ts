import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { distillerService, loadDistillerPlugins, RunManager } from "@distillspec/distiller";
import {
  createClient,
  createServer,
  type GrpcServer,
  type ServiceClient,
  type ServiceMethods,
  Status,
} from "@distillspec/grpc";
import type { Checkpoint } from "@distillspec/model";
import { defineDataGenerator, PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import {
  DistillerService,
  type RunProgress,
  RunState,
  type StartRunRequest,
  StartRunRequestSchema,
} from "@distillspec/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServingStack, startServingStack } from "./support/serving-stack.js";
import { noisyDraftOf } from "./support/tiny-models.js";

// The distiller over real loopback gRPC: it teaches its own in-process draft against a remote
// target-verifier, evaluates α by real speculative decoding, and publishes to a remote draft-proposer.

type DistillerClient = ServiceClient<ServiceMethods<typeof DistillerService>>;

let stack: ServingStack;
let draft: Checkpoint;
let runs: RunManager;
let server: GrpcServer;
let client: DistillerClient;
let runsDir: string;

const managerOptions = () => ({
  runsDir,
  draftCheckpoint: draft,
  tokenizer: stack.tokenizer,
  evalPrompts: 4,
  evalMaxNewTokens: 12,
  gamma: 4,
  seqLen: 48,
  connectTimeoutMs: 3_000,
});

type PluginRefInit = { id: string; optionsJson: string };
type RequestPatch = Partial<
  Omit<StartRunRequest, "$typeName" | "$unknown" | "dataGenerator" | "divergence">
> & {
  dataGenerator?: PluginRefInit;
  divergence?: PluginRefInit;
};

const request = (patch: RequestPatch = {}): MessageInitShape<typeof StartRunRequestSchema> => ({
  targetAddresses: [stack.addresses.target],
  draftAddresses: [stack.addresses.draft],
  dataGenerator: { id: "on-policy", optionsJson: JSON.stringify({ maxNewTokens: 12 }) },
  divergence: { id: "fkl", optionsJson: "" },
  temperature: 1,
  steps: 12,
  batchSize: 4,
  learningRate: 1e-2,
  warmupSteps: 2,
  evalInterval: 6,
  seed: 7n,
  task: "arithmetic",
  ...patch,
});

async function watchAll(runId: string, onEvent?: (p: RunProgress) => void): Promise<RunProgress[]> {
  const events: RunProgress[] = [];
  for await (const { progress } of client.watchRun({ runId })) {
    events.push(progress!);
    onEvent?.(progress!);
  }
  return events;
}

beforeAll(async () => {
  stack = await startServingStack();
  draft = noisyDraftOf(stack.target, 0.05, 11);
  runsDir = await mkdtemp(join(tmpdir(), "distiller-grpc-"));
  runs = new RunManager({ ...managerOptions(), plugins: await loadDistillerPlugins() });
  server = createServer({ name: "distiller", services: [distillerService(runs)] });
  const port = await server.listen("127.0.0.1:0");
  client = createClient(DistillerService, `127.0.0.1:${port}`);
});

afterAll(async () => {
  client?.$close();
  await runs?.close();
  await server?.shutdown(1000);
  await stack?.close();
  if (runsDir) await rm(runsDir, { recursive: true, force: true });
});

describe("DistillerService", () => {
  it("lists the loaded divergence and data-generator plugins", async () => {
    const { plugins } = await client.listPlugins({});
    const ids = plugins.map((p) => `${p.kind}/${p.id}`).sort();
    expect(ids).toEqual(
      [
        "data-generator/fixed",
        "data-generator/mixture",
        "data-generator/on-policy",
        "data-generator/teacher",
        "divergence/fkl",
        "divergence/jsd",
        "divergence/rkl",
        "divergence/tvd",
      ].sort(),
    );
    expect(plugins.find((p) => p.id === "fkl")?.packageName).toBe("@distillspec/divergence-fkl");
  });

  it("runs on-policy FKL distillation to SUCCEEDED, keeps the best checkpoint and publishes it", async () => {
    const { runId } = await client.startRun(request());
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const events = await watchAll(runId);
    const last = events.at(-1)!;
    expect(last.state, last.message).toBe(RunState.SUCCEEDED);
    expect(last.step).toBe(12);
    expect(events.slice(0, -1).every((e) => e.state === RunState.RUNNING)).toBe(true);
    const evaluated = [
      ...new Set(events.map((e) => e.latestEvaluation?.step).filter((s) => s !== undefined)),
    ];
    expect(evaluated).toEqual([0, 6, 12]);
    for (const e of events.filter((e) => e.latestEvaluation)) {
      expect(e.latestEvaluation!.alpha).toBeGreaterThanOrEqual(0);
      expect(e.latestEvaluation!.alpha).toBeLessThanOrEqual(1);
    }
    console.info(
      `α by step: ${events
        .filter((e) => e.latestEvaluation && e.step === e.latestEvaluation.step)
        .map((e) => `${e.step}:${e.latestEvaluation!.alpha.toFixed(3)}`)
        .join(" ")}`,
    );

    const { run } = await client.getRun({ runId });
    expect(run!.state).toBe(RunState.SUCCEEDED);
    expect(run!.bestCheckpointPath).toBe(join(runsDir, runId, "best.ckpt"));
    expect(existsSync(run!.bestCheckpointPath)).toBe(true);
    expect(run!.bestEvaluation!.alpha).toBe(Math.max(...events.map((e) => e.latestEvaluation?.alpha ?? 0)));
    expect(run!.error).toBe("");

    // A late watcher gets the final state at once.
    const late = await watchAll(runId);
    expect(late).toHaveLength(1);
    expect(late[0].state).toBe(RunState.SUCCEEDED);

    const before = (await stack.draftClient.info({})).model!.modelVersion;
    const { published } = await client.publishRun({ runId });
    expect(published).toHaveLength(1);
    expect(published[0].modelVersion).toBe(before + 1n);
    expect((await stack.draftClient.info({})).model!.modelVersion).toBe(before + 1n);
  });

  it("cancels a long run at a step boundary, resumes it, and keeps serving other runs", async () => {
    const { runId } = await client.startRun(request({ steps: 200, evalInterval: 200, seed: 3n }));
    await watchAll(runId, (p) => {
      if (p.step >= 2) void client.cancelRun({ runId });
    });
    const { run } = await client.getRun({ runId });
    expect(run!.state).toBe(RunState.CANCELLED);
    const stoppedAt = run!.progress!.step;
    expect(stoppedAt).toBeGreaterThanOrEqual(2);
    expect(stoppedAt).toBeLessThan(200);
    // Cancelling again is harmless.
    expect((await client.cancelRun({ runId })).run!.state).toBe(RunState.CANCELLED);

    // A resume must keep the training settings.
    await expect(
      client.startRun(
        request({ steps: 200, evalInterval: 200, seed: 3n, learningRate: 5e-3, resumeRunId: runId }),
      ),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: expect.stringMatching(/learningRate/),
    });
    const resumed = await client.startRun(
      request({ steps: 200, evalInterval: 200, seed: 3n, resumeRunId: runId }),
    );
    expect(resumed.runId).toBe(runId);
    const afterResume = await watchAll(runId, (p) => {
      if (p.step >= stoppedAt + 1) void client.cancelRun({ runId });
    });
    expect(afterResume.find((e) => e.step > 0)!.step).toBeGreaterThanOrEqual(stoppedAt);
    expect(afterResume.at(-1)!.state).toBe(RunState.CANCELLED);

    // The service is still serving: other runs (with the other generators, divergences and the
    // language-modelling task, two at once) start and complete.
    const others = await Promise.all(
      [
        request({
          steps: 2,
          evalInterval: 2,
          task: "language-modelling",
          dataGenerator: { id: "teacher", optionsJson: JSON.stringify({ maxNewTokens: 8 }) },
          divergence: { id: "tvd", optionsJson: "{}" },
        }),
        request({
          steps: 2,
          evalInterval: 2,
          dataGenerator: {
            id: "mixture",
            optionsJson: JSON.stringify({ lambda: 0.5, other: "teacher", maxNewTokens: 8 }),
          },
          divergence: { id: "jsd", optionsJson: "" },
        }),
        request({
          steps: 1,
          evalInterval: 1,
          temperature: 0,
          dataGenerator: { id: "fixed", optionsJson: "" },
          divergence: { id: "rkl", optionsJson: "" },
        }),
      ].map((r) => client.startRun(r)),
    );
    for (const { runId: other } of others) {
      const events = await watchAll(other);
      expect(events.at(-1)!.state, events.at(-1)!.message).toBe(RunState.SUCCEEDED);
    }
  });

  it("refuses bad requests with the right status codes", async () => {
    const code = (patch: Parameters<typeof request>[0]) =>
      client.startRun(request(patch)).then(
        () => "OK",
        (e: { code: Status; message: string }) => `${Status[e.code]}: ${e.message}`,
      );
    expect(await code({ divergence: { id: "kl-magic", optionsJson: "" } })).toMatch(
      /^INVALID_ARGUMENT: .*unknown divergence "kl-magic"; available: fkl, jsd, rkl, tvd/,
    );
    expect(await code({ dataGenerator: { id: "on-policy", optionsJson: "{maxNewTokens" } })).toMatch(
      /^INVALID_ARGUMENT: .*data_generator.options_json is not valid JSON/,
    );
    expect(await code({ dataGenerator: { id: "on-policy", optionsJson: '{"maxNewTokens":-1}' } })).toMatch(
      /^INVALID_ARGUMENT: .*invalid options for data-generator "on-policy".*maxNewTokens/,
    );
    expect(await code({ dataGenerator: { id: "mixture", optionsJson: "" } })).toMatch(
      /^INVALID_ARGUMENT: .*mixture.*lambda/,
    );
    expect(await code({ steps: 0 })).toMatch(/^INVALID_ARGUMENT: .*steps/);
    expect(await code({ task: "poetry" })).toMatch(/^INVALID_ARGUMENT: task must be one of/);
    expect(await code({ targetAddresses: [] })).toMatch(/^INVALID_ARGUMENT/);
    expect(await code({ resumeRunId: "../../etc" })).toMatch(/^INVALID_ARGUMENT: resume_run_id/);
    expect(await code({ resumeRunId: "00000000-0000-4000-8000-000000000000" })).toMatch(/^NOT_FOUND/);
    expect(await code({ targetAddresses: ["127.0.0.1:1"] })).toMatch(
      /^UNAVAILABLE: cannot reach 127.0.0.1:1/,
    );
    await expect(client.getRun({ runId: "nope" })).rejects.toMatchObject({ code: Status.NOT_FOUND });
    await expect(client.cancelRun({ runId: "nope" })).rejects.toMatchObject({ code: Status.NOT_FOUND });
    await expect(client.publishRun({ runId: "nope" })).rejects.toMatchObject({ code: Status.NOT_FOUND });
  });

  it("records a run that fails as FAILED and keeps serving", async () => {
    const plugins = await loadDistillerPlugins(["@distillspec/divergence-fkl"]);
    plugins.register(
      defineDataGenerator({
        meta: { name: "test-broken-generator", version: "0.0.0", apiVersion: PLUGIN_API_VERSION },
        id: "broken",
        create: () => ({
          id: "broken",
          batches: () => {
            throw new Error("the dataset went away");
          },
        }),
      }),
    );
    const manager = new RunManager({ ...managerOptions(), plugins });
    let runId = "";
    try {
      runId = await manager.start(
        create(StartRunRequestSchema, request({ dataGenerator: { id: "broken", optionsJson: "" } })),
      );
      const events = [];
      for await (const progress of manager.watch(runId)) events.push(progress);
      expect(events.at(-1)).toMatchObject({ state: RunState.FAILED, message: "the dataset went away" });
      expect(manager.status(runId)).toMatchObject({
        state: RunState.FAILED,
        error: "the dataset went away",
        // The baseline evaluation ran before the failure: its checkpoint is still there to publish.
        bestEvaluation: { step: 0 },
      });
    } finally {
      await manager.close();
    }
    // A restarted service finds the run again from its status file.
    const restarted = new RunManager({ ...managerOptions(), plugins });
    expect(await restarted.restore()).toBeGreaterThanOrEqual(1);
    expect(restarted.status(runId)).toMatchObject({
      state: RunState.FAILED,
      error: "the dataset went away",
      bestEvaluation: { step: 0 },
    });
  });

  it("after a restart, a run that was running is FAILED with how to resume it", async () => {
    const runsDir = await mkdtemp(join(tmpdir(), "distiller-restore-"));
    const runId = "0123abcd-0000-4000-8000-000000000001";
    try {
      await mkdir(join(runsDir, runId), { recursive: true });
      const progress = { runId, state: RunState.RUNNING, step: 3, totalSteps: 10, message: "step" };
      await writeFile(
        join(runsDir, runId, "status.json"),
        JSON.stringify({ state: RunState.RUNNING, progress, best: null, error: "", draftAddresses: [] }),
      );
      const restarted = new RunManager({ ...managerOptions(), runsDir, plugins: runs.plugins });
      expect(await restarted.restore()).toBe(1);
      expect(restarted.status(runId)).toMatchObject({
        state: RunState.FAILED,
        error: expect.stringMatching(/interrupted.*resume_run_id/),
        progress: { step: 3 },
      });
    } finally {
      await rm(runsDir, { recursive: true, force: true });
    }
  });

  it("refuses models with another tokenizer (FAILED_PRECONDITION)", async () => {
    const other = new RunManager({
      ...managerOptions(),
      draftCheckpoint: { ...draft, tokenizerIdentity: "cd".repeat(32) },
      plugins: runs.plugins,
    });
    await expect(other.start(create(StartRunRequestSchema, request()))).rejects.toMatchObject({
      code: Status.FAILED_PRECONDITION,
      message: expect.stringMatching(/^tokenizer mismatch/),
    });
  });
});
