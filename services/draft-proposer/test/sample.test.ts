import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { argmax } from "@distillspec/core";
import { createClient, createServer, type GrpcServer, Status } from "@distillspec/grpc";
import { MAX_SAMPLE_PROMPTS, ModelRunner, saveCheckpoint } from "@distillspec/model";
import { DraftProposerService } from "@distillspec/proto";
import { DraftProposer } from "@distillspec/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noisyDraftOf, tinyTarget } from "../../../test/support/tiny-models.js";
import { draftProposerService } from "../src/draft-proposer-service.js";

// DraftProposer.sample in process with a tiny random draft: seeding, stopping, validation, greedy decoding,
// and one round trip over gRPC.

const draft = noisyDraftOf(tinyTarget(), 0.05);
const { vocabSize, contextLength } = draft.config;
let proposer: DraftProposer;

beforeAll(async () => {
  proposer = await DraftProposer.create(draft);
});

afterAll(async () => {
  await proposer.close();
});

const prompts = Array.from({ length: 12 }, (_, i) =>
  Array.from({ length: 1 + ((i * 5) % 9) }, (_, j) => (i * 17 + j * 11 + 5) % vocabSize),
);
const hot = { temperature: 1.5, seed: 42n };

describe("DraftProposer.sample", () => {
  it("is deterministic for a seed and differs for another", async () => {
    const a = await proposer.sample(prompts, 12, hot);
    const b = await proposer.sample(prompts, 12, hot);
    expect(b).toEqual(a);
    expect(a.map((c) => c.length)).toEqual(prompts.map(() => 12));
    for (const c of a) for (const t of c) expect(t >= 0 && t < vocabSize).toBe(true);
    const other = await proposer.sample(prompts, 12, { ...hot, seed: 43n });
    expect(other).not.toEqual(a);
  });

  it("gives each prompt index the same continuation however many prompts share the call", async () => {
    const all = await proposer.sample(prompts, 10, hot);
    const firstThree = await proposer.sample(prompts.slice(0, 3), 10, hot);
    expect(firstThree).toEqual(all.slice(0, 3));
    // Forward passes one sequence at a time instead of batched: same tokens.
    const unbatched = await DraftProposer.create(draft, { maxBatch: 1 });
    try {
      expect(await unbatched.sample(prompts, 10, hot)).toEqual(all);
    } finally {
      await unbatched.close();
    }
  });

  it("stops after a stop token (kept), at max new tokens, or at the context end", async () => {
    const free = await proposer.sample(prompts, 16, hot);
    const stop = free[0][3];
    const stopped = await proposer.sample(prompts, 16, hot, [stop]);
    for (const [i, c] of free.entries()) {
      const at = c.indexOf(stop);
      expect(stopped[i]).toEqual(at < 0 ? c : c.slice(0, at + 1));
    }
    expect(stopped[0].length).toBeLessThanOrEqual(4);
    expect(stopped[0].at(-1)).toBe(stop);

    const long = Array.from({ length: contextLength - 3 }, (_, j) => (j * 7) % vocabSize);
    const [tail] = await proposer.sample([long], 50, hot);
    expect(tail.length).toBe(3);
    const [one] = await proposer.sample([long.slice(0, 10)], 1, hot);
    expect(one.length).toBe(1);
  });

  it("with temperature 0 equals argmax decoding recomputed from scratch", async () => {
    const runner = await ModelRunner.create(draft.config, draft.weights);
    try {
      const chosen = prompts.slice(0, 4);
      const greedy = await proposer.sample(chosen, 8, { temperature: 0 });
      for (const [i, prompt] of chosen.entries()) {
        const sequence = [...prompt];
        for (let step = 0; step < 8; step++) {
          const logits = await runner.extend(runner.createCache(), sequence);
          sequence.push(argmax(logits.subarray((sequence.length - 1) * vocabSize)));
        }
        expect(greedy[i]).toEqual(sequence.slice(prompt.length));
      }
    } finally {
      await runner.release();
    }
  });

  it("samples from the model current at the call; a reload mid-call does not disturb it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sample-reload-"));
    const own = await DraftProposer.create(draft);
    try {
      const next = noisyDraftOf(tinyTarget(), 0.8, 31);
      await saveCheckpoint(join(dir, "next.ckpt"), next);
      const greedy = { temperature: 0 };
      const before = await own.sample(prompts, 10, greedy);
      const running = own.sample(prompts, 10, greedy);
      await own.reload(join(dir, "next.ckpt"));
      expect(await running).toEqual(before);
      const fresh = await DraftProposer.create(next);
      try {
        const after = await own.sample(prompts, 10, greedy);
        expect(after).toEqual(await fresh.sample(prompts, 10, greedy));
        expect(after).not.toEqual(before);
      } finally {
        await fresh.close();
      }
    } finally {
      await own.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses bad requests with a RangeError naming the problem", async () => {
    const bad: [Parameters<DraftProposer["sample"]>, RegExp][] = [
      [[[], 4, hot], /at least one prompt/],
      [[Array.from({ length: MAX_SAMPLE_PROMPTS + 1 }, () => [1]), 4, hot], /at most 256 prompts, got 257/],
      [[[[1], []], 4, hot], /prompt 1 is empty/],
      [[[new Array(contextLength).fill(1)], 4, hot], /prompt 0 has 128 tokens, leaving no room/],
      [[[[1, vocabSize]], 4, hot], /token id 64 at position 1 is outside the vocabulary/],
      [[[[1]], 0, hot], /max new tokens must be a positive integer, got 0/],
      [[[[1]], 2.5, hot], /max new tokens must be a positive integer, got 2.5/],
      [[[[1]], 4, { temperature: -1 }], /temperature must be a finite number >= 0/],
      [[[[1]], 4, { temperature: 1, topP: 2 }], /topP must lie in/],
      [[[[1]], 4, hot, [-1]], /stop token id -1 is outside the vocabulary/],
    ];
    for (const [args, message] of bad) {
      const call = proposer.sample(...args);
      await expect(call).rejects.toThrow(RangeError);
      await expect(call).rejects.toThrow(message);
    }
    // A refused request leaves nothing behind.
    expect(proposer.info().activeSessions).toBe(0);
  });
});

describe("Sample over gRPC", () => {
  let server: GrpcServer;
  const connect = (address: string) => createClient(DraftProposerService, address);
  let client: ReturnType<typeof connect>;

  beforeAll(async () => {
    server = createServer({ name: "draft-proposer", services: [draftProposerService(proposer)] });
    client = connect(`127.0.0.1:${await server.listen("127.0.0.1:0")}`);
  });

  afterAll(async () => {
    client.$close();
    await server.shutdown(1000);
  });

  it("returns what the in-process call returns; bad input is INVALID_ARGUMENT", async () => {
    const expected = await proposer.sample(prompts.slice(0, 5), 6, hot, [7]);
    const response = await client.sample({
      prompts: prompts.slice(0, 5).map((tokens) => ({ tokens })),
      maxNewTokens: 6,
      sampling: { temperature: hot.temperature, seed: hot.seed },
      stopTokenIds: [7],
    });
    expect(response.continuations.map((c) => c.tokens)).toEqual(expected);
    expect(response.timings?.totalNs).toBeGreaterThan(0n);
    await expect(client.sample({ prompts: [], maxNewTokens: 4 })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });
});
