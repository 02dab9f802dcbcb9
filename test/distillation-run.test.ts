import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "@distillspec/core";
import {
  createInProcessEvaluator,
  type DistillationConfig,
  type DistillationDeps,
  type DistillationProgress,
  type DraftEvaluator,
  evaluationSeed,
  GREEDY_DISTILLATION_TEMPERATURE,
  runDistillation,
} from "@distillspec/distill";
import fkl from "@distillspec/divergence-fkl";
import { assertSameTokenizer, loadCheckpoint } from "@distillspec/model";
import type { DataGenerator, DataGeneratorContext, DistillationExample } from "@distillspec/plugin-api";
import { TargetVerifier } from "@distillspec/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noisyDraftOf, TOKENIZER_IDENTITY, tinyTarget } from "./support/tiny-models.js";

// DistillSpec end to end, in process: a tiny target teaches a far-off noisy draft on teacher data scored
// white-box with forward KL; α is measured by real speculative decoding before and after.

const target = tinyTarget();
const startDraft = noisyDraftOf(target, 0.3);
let verifier: TargetVerifier;
let evaluate: DraftEvaluator;
let pool: DistillationExample[];
let root: string;

const randomPrompt = (rng: ReturnType<typeof createRng>) =>
  Array.from({ length: 4 + rng.int(5) }, () => rng.int(target.config.vocabSize));

/** Teacher data sampled once from the target; each batch draws examples from it with the given seed. */
const teacherPool: DataGenerator = {
  id: "teacher-pool",
  async *batches(_context, batchSize, seed) {
    const rng = createRng(seed);
    while (true) yield Array.from({ length: batchSize }, () => pool[rng.int(pool.length)]);
  },
};

const unused = () => Promise.reject(new Error("not used by the teacher-pool generator"));
const dataContext: DataGeneratorContext = {
  sampleTarget: unused,
  sampleDraft: unused,
  datasetExamples: unused,
  prompts: unused,
};

const evalRng = createRng(99);
const evalPrompts = Array.from({ length: 16 }, () => randomPrompt(evalRng));

const baseConfig = (outDir: string): DistillationConfig => ({
  steps: 40,
  batchSize: 8,
  seqLen: 32,
  learningRate: 1e-2,
  warmupSteps: 4,
  evalInterval: 20,
  evalPrompts,
  evalMaxNewTokens: 24,
  gamma: 4,
  temperature: 1,
  seed: 7,
  outDir,
});

const deps = (): DistillationDeps => ({
  teacher: verifier,
  dataGenerator: teacherPool,
  dataContext,
  divergence: fkl.create({}),
  draftCheckpoint: startDraft,
  evaluate,
});

async function collect(
  run: AsyncIterable<DistillationProgress>,
  onEvent?: (e: DistillationProgress) => void,
) {
  const events: DistillationProgress[] = [];
  for await (const e of run) {
    events.push(e);
    onEvent?.(e);
  }
  return events;
}

beforeAll(async () => {
  verifier = await TargetVerifier.create(target);
  evaluate = createInProcessEvaluator({ target: verifier, draft: startDraft });
  root = await mkdtemp(join(tmpdir(), "distillation-run-"));
  const rng = createRng(5);
  pool = [];
  for (let i = 0; i < 160; i++) {
    const prompt = randomPrompt(rng);
    const continuation: number[] = [];
    for await (const { tokenId } of verifier.generate(prompt, 24, { temperature: 1, seed: 1000 + i })) {
      continuation.push(tokenId);
    }
    pool.push({ prompt, continuation });
  }
});

afterAll(async () => {
  await verifier?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("runDistillation", () => {
  let full: DistillationProgress[];

  it("raises α above the undistilled draft's, lowers the loss and keeps a loadable best.ckpt", async () => {
    const outDir = join(root, "full");
    full = await collect(runDistillation(baseConfig(outDir), deps()));
    expect(full.map((e) => e.kind)).toEqual(["baseline", ...Array(40).fill("step"), "done"]);

    const before = full[0].latestEvaluation!;
    const after = full.at(-1)!.latestEvaluation!;
    console.info(
      `α ${before.alpha.toFixed(3)} → ${after.alpha.toFixed(3)}, τ ${before.tau.toFixed(2)} → ${after.tau.toFixed(2)}`,
    );
    expect(before.step).toBe(0);
    expect(after.step).toBe(40);
    expect(after.alpha).toBeGreaterThan(before.alpha + 0.2);
    expect(after.tau).toBeGreaterThan(before.tau);

    const losses = full.filter((e) => e.kind === "step").map((e) => e.loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.7 * mean(losses.slice(0, 5)));

    const best = await loadCheckpoint(join(outDir, "best.ckpt"));
    expect(best.tokenizerIdentity).toBe(TOKENIZER_IDENTITY);
    expect(() => assertSameTokenizer(best, target)).not.toThrow();
    expect(best.metadata.alpha).toBe(full.at(-1)!.best!.alpha);
    expect(full.at(-1)!.best!.alpha).toBeGreaterThanOrEqual(after.alpha);
    // Same prompts and seeds: re-evaluating the saved best reproduces its recorded α.
    const again = await evaluate(best.weights, {
      prompts: evalPrompts,
      gamma: 4,
      temperature: 1,
      maxNewTokens: 24,
      seed: evaluationSeed(7),
    });
    expect(again.alpha).toBe(best.metadata.alpha);
    expect((await readdir(outDir)).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("cancels at a step boundary and resumes to bit-identical weights", async () => {
    expect(full, "needs the uninterrupted run").toBeDefined();
    const outDir = join(root, "resumed");
    const controller = new AbortController();
    const first = await collect(runDistillation(baseConfig(outDir), deps(), controller.signal), (e) => {
      if (e.step === 13) controller.abort();
    });
    expect(first.at(-1)).toMatchObject({ kind: "cancelled", step: 13 });
    expect((await loadCheckpoint(join(outDir, "last.ckpt"))).metadata.step).toBe(13);
    expect((await readdir(outDir)).filter((f) => f.includes(".tmp-"))).toEqual([]);

    const second = await collect(runDistillation({ ...baseConfig(outDir), resume: true }, deps()));
    expect(second[0]).toMatchObject({ kind: "step", step: 14 });
    expect(second.at(-1)).toMatchObject({ kind: "done", step: 40 });
    // Losses after the resume point match the uninterrupted run's exactly.
    const fullLoss = new Map(full.map((e) => [e.step, e.loss]));
    for (const e of second.filter((e) => e.kind === "step")) expect(e.loss).toBe(fullLoss.get(e.step));

    const [a, b] = await Promise.all(
      [join(root, "full", "last.ckpt"), join(outDir, "last.ckpt")].map((p) => loadCheckpoint(p)),
    );
    for (const [name, w] of a.weights) {
      expect(Buffer.from(b.weights.get(name)!.buffer).equals(Buffer.from(w.buffer)), name).toBe(true);
    }
    const state = JSON.parse(await readFile(join(outDir, "state.json"), "utf8"));
    expect(state.step).toBe(40);
  });

  it("distils for greedy decoding (temperature 0) too", async () => {
    const temperatures = new Set<number>();
    const teacher = {
      teacherScore: (sequences: readonly (readonly number[])[], temperature: number) => {
        temperatures.add(temperature);
        return verifier.teacherScore(sequences, temperature);
      },
    };
    const events = await collect(
      runDistillation(
        { ...baseConfig(join(root, "greedy")), temperature: 0, evalInterval: 40 },
        { ...deps(), teacher },
      ),
    );
    // Greedy has no distributions to compare; the run distils at the low stand-in temperature.
    expect([...temperatures]).toEqual([GREEDY_DISTILLATION_TEMPERATURE]);
    const before = events[0].latestEvaluation!;
    const after = events.at(-1)!.latestEvaluation!;
    console.info(`greedy α ${before.alpha.toFixed(3)} → ${after.alpha.toFixed(3)}`);
    // Weaker than at T = 1: the teacher data are T = 1 samples, not the greedy paths evaluation follows.
    expect(after.alpha).toBeGreaterThan(before.alpha + 0.05);
  });

  it("evaluation stops at the stop tokens, as serving does", async () => {
    const prompt = pool[0].prompt;
    const [first] = await verifier.sample([prompt], 1, { temperature: 0 });
    const request = { prompts: [prompt], gamma: 4, temperature: 0, maxNewTokens: 20, seed: 1n };
    const free = await createInProcessEvaluator({ target: verifier, draft: startDraft })(
      startDraft.weights,
      request,
    );
    const stopped = await createInProcessEvaluator({
      target: verifier,
      draft: startDraft,
      stopTokenIds: [first[0]],
    })(startDraft.weights, request);
    // The first token emitted is the stop token: one round, one token.
    expect(stopped.tau).toBe(1);
    expect(free.tau).toBeGreaterThan(1);
  });

  it("samples each prompt several times with fresh seeds: the same as listing the prompts again", async () => {
    const prompts = evalPrompts.slice(0, 4);
    const request = { prompts, gamma: 4, temperature: 1, maxNewTokens: 16, seed: 3n };
    const repeated = await evaluate(startDraft.weights, { ...request, samplesPerPrompt: 3 });
    const listed = await evaluate(startDraft.weights, {
      ...request,
      prompts: [...prompts, ...prompts, ...prompts],
    });
    expect(repeated.alpha).toBe(listed.alpha);
    expect(repeated.tau).toBe(listed.tau);
    expect(repeated.tauStandardError).toBeGreaterThan(0);
    expect(listed.tauStandardError).toBeNaN();
    await expect(evaluate(startDraft.weights, { ...request, samplesPerPrompt: 0 })).rejects.toThrow(
      /samplesPerPrompt/,
    );
  });

  it("evaluates each prompt evalSamplesPerPrompt times at T > 0 and once when greedy", async () => {
    const seen: (number | undefined)[] = [];
    const counting: DraftEvaluator = (weights, request) => {
      seen.push(request.samplesPerPrompt);
      return evaluate(weights, request);
    };
    for (const temperature of [1, 0]) {
      const outDir = join(root, `samples-${temperature}`);
      const config = {
        ...baseConfig(outDir),
        steps: 1,
        evalInterval: 1,
        temperature,
        evalSamplesPerPrompt: 3,
      };
      await collect(runDistillation(config, { ...deps(), evaluate: counting }));
    }
    // Before the first step and after it, for each temperature.
    expect(seen).toEqual([3, 3, 1, 1]);
  });

  it("refuses a bad config with a RangeError naming the field", async () => {
    const outDir = join(root, "bad");
    const attempt = (patch: Partial<DistillationConfig>) =>
      runDistillation({ ...baseConfig(outDir), ...patch }, deps()).next();
    await expect(attempt({ steps: 0 })).rejects.toThrow(/steps/);
    await expect(attempt({ steps: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(attempt({ batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(attempt({ seqLen: target.config.contextLength + 1 })).rejects.toThrow(
      /seqLen.*context length/,
    );
    await expect(attempt({ seqLen: target.config.contextLength + 1 })).rejects.toBeInstanceOf(RangeError);
    await expect(attempt({ evalPrompts: [[1, 99999]] })).rejects.toThrow(/evalPrompts\[0\]/);
    await expect(attempt({ evalSamplesPerPrompt: 0 })).rejects.toThrow(/evalSamplesPerPrompt/);
  });

  it("refuses to resume with a different training config", async () => {
    const outDir = join(root, "full");
    await expect(
      runDistillation({ ...baseConfig(outDir), learningRate: 1e-3, resume: true }, deps()).next(),
    ).rejects.toThrow(/learningRate/);
  });
});
