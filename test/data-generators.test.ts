import { createRng } from "@distillspec/core";
import fixed, { createFixedGenerator } from "@distillspec/data-generator-fixed";
import mixture, { createMixtureGenerator } from "@distillspec/data-generator-mixture";
import onPolicy, { createOnPolicyGenerator } from "@distillspec/data-generator-on-policy";
import teacher, { createTeacherGenerator } from "@distillspec/data-generator-teacher";
import { promptSeed } from "@distillspec/model";
import {
  type DataGenerator,
  type DataGeneratorContext,
  type DistillationExample,
  PLUGIN_API_VERSION,
} from "@distillspec/plugin-api";
import { DraftProposer, TargetVerifier } from "@distillspec/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noisyDraftOf, tinyTarget } from "./support/tiny-models.js";

// The four data generators against a fake context that records its calls, then on-policy and teacher
// against in-process services with tiny models.

type Call =
  | { method: "prompts"; count: number; seed: bigint }
  | { method: "datasetExamples"; count: number; seed: bigint }
  | {
      method: "sampleTarget" | "sampleDraft";
      prompts: number[][];
      maxNewTokens: number;
      temperature: number;
      seed: bigint;
    };

/** Tokens encode where they came from: 1 = dataset, 2 = target, 3 = draft; plus bits of the seed. */
function fakeContext() {
  const calls: Call[] = [];
  const tag = (seed: bigint) => Number(seed % 1000n);
  const sampler =
    (method: "sampleTarget" | "sampleDraft", source: number) =>
    async (prompts: number[][], maxNewTokens: number, temperature: number, seed: bigint) => {
      calls.push({ method, prompts, maxNewTokens, temperature, seed });
      return prompts.map((_, i) => [source, tag(seed), i]);
    };
  const context: DataGeneratorContext = {
    async prompts(count, seed) {
      calls.push({ method: "prompts", count, seed });
      return Array.from({ length: count }, (_, i) => [0, tag(seed), i]);
    },
    async datasetExamples(count, seed) {
      calls.push({ method: "datasetExamples", count, seed });
      return Array.from({ length: count }, (_, i) => ({ prompt: [0, tag(seed), i], continuation: [1, i] }));
    },
    sampleTarget: sampler("sampleTarget", 2),
    sampleDraft: sampler("sampleDraft", 3),
  };
  return { context, calls };
}

async function take(
  generator: DataGenerator,
  context: DataGeneratorContext,
  count: number,
  batchSize = 4,
  seed = 7n,
): Promise<DistillationExample[][]> {
  const out: DistillationExample[][] = [];
  for await (const batch of generator.batches(context, batchSize, seed)) {
    out.push(batch);
    if (out.length === count) break;
  }
  return out;
}

const sourceOf = (batch: DistillationExample[]) => batch[0].continuation[0];

describe("plugin definitions", () => {
  it.each([
    [fixed, "fixed", "@distillspec/data-generator-fixed", undefined],
    [teacher, "teacher", "@distillspec/data-generator-teacher", undefined],
    [onPolicy, "on-policy", "@distillspec/data-generator-on-policy", undefined],
    [mixture, "mixture", "@distillspec/data-generator-mixture", { lambda: 0.5 }],
  ] as const)("%s is a data-generator plugin named after its package", (definition, id, name, options) => {
    expect(definition.kind).toBe("data-generator");
    expect(definition.id).toBe(id);
    expect(definition.meta).toEqual({ name, version: "0.1.0", apiVersion: PLUGIN_API_VERSION });
    expect(definition.create(options).id).toBe(id);
  });
});

describe("fixed, teacher and on-policy call the right context method", () => {
  it("fixed takes dataset examples, a new seed per batch", async () => {
    const { context, calls } = fakeContext();
    const batches = await take(createFixedGenerator({}), context, 3, 5);
    expect(batches.map((b) => b.length)).toEqual([5, 5, 5]);
    expect(calls.map((c) => c.method)).toEqual(["datasetExamples", "datasetExamples", "datasetExamples"]);
    expect(new Set(calls.map((c) => c.seed)).size).toBe(3);
  });

  it.each([
    ["teacher", createTeacherGenerator, "sampleTarget", 2],
    ["on-policy", createOnPolicyGenerator, "sampleDraft", 3],
  ] as const)(
    "%s samples continuations for dataset prompts with its options",
    async (_id, create, method, source) => {
      const { context, calls } = fakeContext();
      const batches = await take(create({ maxNewTokens: 9, temperature: 0.7 }), context, 2, 3);
      expect(calls.map((c) => c.method)).toEqual(["prompts", method, "prompts", method]);
      const [p0, s0] = calls;
      if (s0.method !== method || p0.method !== "prompts") throw new Error("unreachable");
      expect(p0.count).toBe(3);
      expect(s0).toMatchObject({ maxNewTokens: 9, temperature: 0.7 });
      expect(s0.prompts).toEqual(batches[0].map((e) => e.prompt));
      expect(batches[0].map((e) => e.continuation[0])).toEqual([source, source, source]);
      expect(s0.seed).not.toBe(p0.seed); // prompt choice and sampling use separate streams
      // Defaults.
      const defaults = fakeContext();
      await take(create(undefined), defaults.context, 1);
      expect(defaults.calls[1]).toMatchObject({ maxNewTokens: 64, temperature: 1 });
    },
  );

  it("is deterministic in the seed, and another seed gives other data", async () => {
    for (const generator of [
      createFixedGenerator(undefined),
      createTeacherGenerator({}),
      createOnPolicyGenerator({}),
      createMixtureGenerator({ lambda: 0.5, other: "teacher" }),
    ]) {
      const a = await take(generator, fakeContext().context, 6, 2, 11n);
      expect(await take(generator, fakeContext().context, 6, 2, 11n)).toEqual(a);
      expect(await take(generator, fakeContext().context, 6, 2, 12n)).not.toEqual(a);
      expect(new Set(a.map((b) => JSON.stringify(b))).size).toBe(6); // batches differ from each other
    }
  });
});

describe("mixture", () => {
  it("picks on-policy for a fraction λ of batches (per batch, within a 4σ binomial band)", async () => {
    const { context, calls } = fakeContext();
    const lambda = 0.3;
    const n = 400;
    const batches = await take(createMixtureGenerator({ lambda }), context, n, 2, 2024n);
    for (const batch of batches) expect(new Set(batch.map((e) => e.continuation[0])).size).toBe(1);
    const onPolicyCount = batches.filter((b) => sourceOf(b) === 3).length;
    const sigma = Math.sqrt(n * lambda * (1 - lambda));
    expect(Math.abs(onPolicyCount - n * lambda)).toBeLessThan(4 * sigma);
    expect(calls.filter((c) => c.method === "sampleDraft").length).toBe(onPolicyCount);
    expect(calls.filter((c) => c.method === "datasetExamples").length).toBe(n - onPolicyCount);
    expect(calls.some((c) => c.method === "sampleTarget")).toBe(false);
  });

  it("with λ = 1 is exactly on-policy and with λ = 0 exactly fixed or teacher", async () => {
    const run = (g: DataGenerator) => take(g, fakeContext().context, 20, 3, 5n);
    const options = { maxNewTokens: 5, temperature: 0.5 };
    expect(await run(createMixtureGenerator({ lambda: 1, ...options }))).toEqual(
      await run(createOnPolicyGenerator(options)),
    );
    expect(await run(createMixtureGenerator({ lambda: 0 }))).toEqual(await run(createFixedGenerator({})));
    expect(await run(createMixtureGenerator({ lambda: 0, other: "teacher", ...options }))).toEqual(
      await run(createTeacherGenerator(options)),
    );
    const { context, calls } = fakeContext();
    const mixed = await take(
      createMixtureGenerator({ lambda: 0.5, other: "teacher", ...options }),
      context,
      30,
    );
    expect(new Set(mixed.map(sourceOf))).toEqual(new Set([2, 3]));
    for (const c of calls) if (c.method !== "prompts") expect(c).toMatchObject(options);
  });
});

describe("option validation", () => {
  const sampling = [
    [null, /options must be an object/],
    [[], /options must be an object/],
    [{ maxNewTokens: 0 }, /option "maxNewTokens" must be a positive integer, got 0/],
    [{ maxNewTokens: 1.5 }, /option "maxNewTokens" .* got 1.5/],
    [{ maxNewTokens: "8" }, /option "maxNewTokens" .* got "8"/],
    [{ temperature: -0.1 }, /option "temperature" must be a finite number >= 0, got -0.1/],
    [{ temperature: Number.POSITIVE_INFINITY }, /option "temperature" .* got Infinity/],
    [{ temperature: Number.NaN }, /option "temperature" .* got NaN/],
    [{ temprature: 1 }, /unknown option "temprature"/],
  ] as const;

  it.each(sampling)("teacher and on-policy refuse %j", (options, message) => {
    for (const create of [createTeacherGenerator, createOnPolicyGenerator]) {
      expect(() => create(options)).toThrow(RangeError);
      expect(() => create(options)).toThrow(message);
    }
  });

  it.each<[unknown, RegExp]>([
    ...sampling.slice(2).map(([o, m]): [unknown, RegExp] => [{ lambda: 0.5, ...(o as object) }, m]),
    [undefined, /with lambda, got undefined/],
    [{}, /option "lambda" must be a number in \[0, 1\], got undefined/],
    [{ lambda: 1.2 }, /option "lambda" .* got 1.2/],
    [{ lambda: -0.1 }, /option "lambda" .* got -0.1/],
    [{ lambda: Number.NaN }, /option "lambda" .* got NaN/],
    [{ lambda: 0.5, other: "on-policy" }, /option "other" must be "fixed" or "teacher", got "on-policy"/],
  ])("mixture refuses %j", (options, message) => {
    expect(() => createMixtureGenerator(options)).toThrow(RangeError);
    expect(() => createMixtureGenerator(options)).toThrow(message);
  });

  it("fixed takes no options", () => {
    expect(() => createFixedGenerator({ maxNewTokens: 3 })).toThrow(/fixed: unknown option "maxNewTokens"/);
    expect(() => createFixedGenerator("x")).toThrow(RangeError);
  });

  it("batches refuses a bad batch size at the call", () => {
    const { context } = fakeContext();
    expect(() => createFixedGenerator({}).batches(context, 0, 1n)).toThrow(
      /batch size must be a positive integer/,
    );
    expect(() => createMixtureGenerator({ lambda: 0.5 }).batches(context, 1.5, 1n)).toThrow(RangeError);
  });
});

describe("on-policy and teacher against in-process services", () => {
  const target = tinyTarget();
  const draftCheckpoint = noisyDraftOf(target, 0.3, 9);
  const vocab = target.config.vocabSize;
  let verifier: TargetVerifier;
  let proposer: DraftProposer;
  let context: DataGeneratorContext;

  beforeAll(async () => {
    verifier = await TargetVerifier.create(target);
    proposer = await DraftProposer.create(draftCheckpoint);
    const promptPool = Array.from({ length: 32 }, (_, i) =>
      Array.from({ length: 2 + (i % 6) }, (_, j) => (i * 29 + j * 3 + 1) % vocab),
    );
    context = {
      prompts: async (count, seed) => {
        const rng = createRng(seed);
        return Array.from({ length: count }, () => promptPool[rng.int(promptPool.length)]);
      },
      sampleTarget: (prompts, maxNewTokens, temperature, seed) =>
        verifier.sample(prompts, maxNewTokens, { temperature, seed }),
      sampleDraft: (prompts, maxNewTokens, temperature, seed) =>
        proposer.sample(prompts, maxNewTokens, { temperature, seed }),
      datasetExamples: async () => {
        throw new Error("not used");
      },
    };
  });

  afterAll(async () => {
    await verifier.close();
    await proposer.close();
  });

  it("TargetVerifier.sample equals generate run alone with each prompt's derived seed", async () => {
    const prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 11]];
    const sampling = { temperature: 1.2, topK: 20 };
    const together = await verifier.sample(prompts, 10, { ...sampling, seed: 77n }, [13]);
    for (const [i, prompt] of prompts.entries()) {
      const alone: number[] = [];
      const steps = verifier.generate(prompt, 10, { ...sampling, seed: promptSeed(77n, i) }, [13]);
      for await (const s of steps) alone.push(s.tokenId);
      expect(together[i]).toEqual(alone);
    }
    await expect(verifier.sample([[1], []], 4, sampling)).rejects.toThrow(/prompt 1 is empty/);
  });

  it("produce seeded samples from the right model", async () => {
    const options = { maxNewTokens: 6, temperature: 0 };
    const teacherBatches = await take(createTeacherGenerator(options), context, 2, 4, 3n);
    const draftBatches = await take(createOnPolicyGenerator(options), context, 2, 4, 3n);
    const greedy = async (prompt: number[]) => {
      const out: number[] = [];
      for await (const s of verifier.generate(prompt, 6, { temperature: 0 })) out.push(s.tokenId);
      return out;
    };
    for (const batch of teacherBatches) {
      expect(batch.length).toBe(4);
      for (const e of batch) expect(e.continuation).toEqual(await greedy(e.prompt));
    }
    // Same seed, same prompts; a poor draft's greedy continuations differ from the target's somewhere.
    expect(draftBatches.map((b) => b.map((e) => e.prompt))).toEqual(
      teacherBatches.map((b) => b.map((e) => e.prompt)),
    );
    expect(draftBatches).not.toEqual(teacherBatches);

    const hot = { maxNewTokens: 8, temperature: 1 };
    for (const create of [createTeacherGenerator, createOnPolicyGenerator]) {
      const a = await take(create(hot), context, 2, 3, 9n);
      expect(await take(create(hot), context, 2, 3, 9n)).toEqual(a);
      for (const e of a.flat()) {
        expect(e.continuation.length).toBe(8);
        for (const t of e.continuation) expect(t >= 0 && t < vocab).toBe(true);
      }
    }
  });
});
