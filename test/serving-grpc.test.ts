import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { LockstepStream, Status } from "@distillspec/grpc";
import { saveCheckpoint } from "@distillspec/model";
import type { GenerateRequestSchema } from "@distillspec/proto";
import { DecodingMode, type GenerateRequest } from "@distillspec/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServingStack, startServingStack } from "./support/serving-stack.js";
import { noisyDraftOf } from "./support/tiny-models.js";

// The three services over real gRPC on loopback.

let stack: ServingStack;
beforeAll(async () => {
  stack = await startServingStack({ verifierOptions: { maxSessions: 4 } });
});
afterAll(async () => {
  await stack.close();
});

type Request = MessageInitShape<typeof GenerateRequestSchema>;

async function run(request: Request) {
  const ids: number[] = [];
  let text = "";
  let stats: Extract<GenerateRequest["prompt"], never> | undefined;
  let final:
    | {
        alpha: number;
        tau: number;
        acceptancePerPosition: number[];
        finishReason: string;
        lookaheadHits: number;
        numRounds: number;
      }
    | undefined;
  for await (const message of stack.controller.generate(request)) {
    if (message.event.case === "delta") {
      ids.push(...message.event.value.tokenIds);
      text += message.event.value.text;
    } else if (message.event.case === "stats") final = message.event.value;
  }
  void stats;
  return { ids, text, stats: final! };
}

const prompts = ["The people of the", "Congress shall", "In the year", "We have"];

describe("controller over gRPC", () => {
  it("greedy speculative output equals target-only output, token for token", async () => {
    for (const [i, text] of prompts.entries()) {
      const gamma = 1 + ((i * 3) % 8);
      const base = { prompt: { case: "text" as const, value: text }, maxNewTokens: 24, gamma };
      const reference = await run({ ...base, mode: DecodingMode.TARGET_ONLY });
      const speculative = await run(base);
      expect(speculative.ids).toEqual(reference.ids);
      expect(speculative.text).toBe(reference.text);
      expect(speculative.ids.length).toBe(24);
      expect(speculative.stats.tau).toBeGreaterThanOrEqual(1);
      expect(speculative.stats.alpha).toBeGreaterThanOrEqual(0);
      expect(speculative.stats.acceptancePerPosition.length).toBeGreaterThan(0);
    }
  });

  it("same seed and request give the same sampled output; another seed differs", async () => {
    const request = (seed: bigint): Request => ({
      prompt: { case: "text", value: "The people of the" },
      maxNewTokens: 30,
      gamma: 4,
      sampling: { temperature: 1, seed },
    });
    const a = await run(request(7n));
    const b = await run(request(7n));
    const c = await run(request(8n));
    expect(a.ids).toEqual(b.ids);
    expect(c.ids).not.toEqual(a.ids);
  });

  it("lookahead changes no output, greedy or sampled, and reports the rounds it saved", async () => {
    let hits = 0;
    for (const [i, text] of prompts.entries()) {
      const base = {
        prompt: { case: "text" as const, value: text },
        maxNewTokens: 24,
        gamma: 1 + (i % 3),
        sampling: { temperature: i % 2, seed: BigInt(i) },
      };
      const plain = await run(base);
      const ahead = await run({ ...base, lookahead: true });
      expect(ahead.ids).toEqual(plain.ids);
      expect(plain.stats.lookaheadHits).toBe(0);
      expect(ahead.stats.lookaheadHits).toBeLessThan(ahead.stats.numRounds);
      hits += ahead.stats.lookaheadHits;
    }
    expect(hits).toBeGreaterThan(0);
    expect(stack.verifier.info().activeSessions).toBe(0);
    expect(stack.proposer.info().activeSessions).toBe(0);
  });

  it("stops after a stop sequence", async () => {
    const full = await run({ prompt: { case: "text", value: "We have" }, maxNewTokens: 30, gamma: 3 });
    const stop = full.text.slice(5, 8);
    const stopped = await run({
      prompt: { case: "text", value: "We have" },
      maxNewTokens: 30,
      gamma: 3,
      stopSequences: [stop],
    });
    expect(stopped.text.endsWith(stop)).toBe(true);
    expect(full.text.startsWith(stopped.text)).toBe(true);
    expect(stopped.stats.finishReason).toBe("stop");
  });

  it.each([
    ["empty prompt", { prompt: { case: "text", value: "" }, maxNewTokens: 5, gamma: 2 }, /prompt is empty/],
    ["no prompt", { maxNewTokens: 5, gamma: 2 }, /a prompt is required/],
    [
      "prompt longer than the context",
      { prompt: { case: "tokenIds", value: { tokens: new Array(200).fill(1) } }, maxNewTokens: 5, gamma: 2 },
      /the context holds 128/,
    ],
    [
      "token out of range",
      { prompt: { case: "tokenIds", value: { tokens: [1, 99999] } }, maxNewTokens: 5, gamma: 2 },
      /outside the vocabulary/,
    ],
    [
      "γ = 0",
      { prompt: { case: "text", value: "Hi" }, maxNewTokens: 5, gamma: 0 },
      /gamma must be in \[1, 16\], got 0/,
    ],
    [
      "γ above the limit",
      { prompt: { case: "text", value: "Hi" }, maxNewTokens: 5, gamma: 17 },
      /gamma must be in/,
    ],
    [
      "max_new_tokens 0",
      { prompt: { case: "text", value: "Hi" }, maxNewTokens: 0, gamma: 2 },
      /max_new_tokens/,
    ],
    [
      "NaN temperature",
      {
        prompt: { case: "text", value: "Hi" },
        maxNewTokens: 5,
        gamma: 2,
        sampling: { temperature: Number.NaN },
      },
      /temperature/,
    ],
    [
      "negative temperature",
      { prompt: { case: "text", value: "Hi" }, maxNewTokens: 5, gamma: 2, sampling: { temperature: -1 } },
      /temperature/,
    ],
    [
      "top_p above 1",
      {
        prompt: { case: "text", value: "Hi" },
        maxNewTokens: 5,
        gamma: 2,
        sampling: { temperature: 1, topP: 1.5 },
      },
      /topP/,
    ],
    [
      "unknown acceptance rule",
      { prompt: { case: "text", value: "Hi" }, maxNewTokens: 5, gamma: 2, acceptanceRule: { name: "nope" } },
      /unknown acceptance rule "nope"/,
    ],
  ] as [string, Request, RegExp][])("rejects %s with INVALID_ARGUMENT", async (_name, request, message) => {
    await expect(run(request)).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: expect.stringMatching(message),
    });
  });

  it("a deadline too short for the generation gives DEADLINE_EXCEEDED, and no session leaks", async () => {
    const stream = stack.controller.generate(
      { prompt: { case: "text", value: "The people" }, maxNewTokens: 120, gamma: 4 },
      { timeoutMs: 30 },
    );
    await expect(
      (async () => {
        for await (const _ of stream) {
          /* drain */
        }
      })(),
    ).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    await new Promise((r) => setTimeout(r, 300));
    expect(stack.verifier.info().activeSessions).toBe(0);
    expect(stack.proposer.info().activeSessions).toBe(0);
    // Still serving.
    expect((await run({ prompt: { case: "text", value: "We" }, maxNewTokens: 3, gamma: 2 })).ids.length).toBe(
      3,
    );
  });
});

describe("model services over gRPC", () => {
  it("unknown sessions are NOT_FOUND; the session limit gives RESOURCE_EXHAUSTED", async () => {
    await expect(stack.targetClient.score({ sessionId: "nope", tokens: [1] })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await stack.targetClient.createSession({ tokens: [1, 2] })).sessionId);
    await expect(stack.targetClient.createSession({ tokens: [1] })).rejects.toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
      message: expect.stringMatching(/session limit reached/),
    });
    for (const sessionId of ids) await stack.targetClient.release({ sessionId });
    expect(stack.verifier.info().activeSessions).toBe(0);
  });

  it("a refused score leaves the session as it was", async () => {
    const { sessionId } = await stack.targetClient.createSession({ tokens: [1, 2, 3] });
    await expect(
      stack.targetClient.score({ sessionId, tokens: [5, 99999], truncateTo: 1 }),
    ).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
    const ok = await stack.targetClient.score({ sessionId, tokens: [4] });
    expect(ok.length).toBe(4);
    await stack.targetClient.release({ sessionId });
  });

  it("the draft reloads a checkpoint without dropping a session, and refuses another tokenizer", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reload-"));
    try {
      const next = noisyDraftOf(stack.target, 0.05, 21);
      await saveCheckpoint(join(dir, "draft.ckpt"), next);
      const { sessionId } = await stack.draftClient.createSession({ tokens: [1, 2, 3] });
      const before = await stack.draftClient.propose({ sessionId, tokens: [4], gamma: 2 });
      const reloaded = await stack.draftClient.reload({ checkpointPath: join(dir, "draft.ckpt") });
      expect(reloaded.model?.modelVersion).toBe(before.modelVersion + 1n);
      // The running session keeps its model version; a new one gets the new model.
      const after = await stack.draftClient.propose({ sessionId, tokens: [5], gamma: 2, truncateTo: 4 });
      expect(after.modelVersion).toBe(before.modelVersion);
      await stack.draftClient.release({ sessionId });
      await saveCheckpoint(join(dir, "other.ckpt"), { ...next, tokenizerIdentity: "cd".repeat(32) });
      await expect(
        stack.draftClient.reload({ checkpointPath: join(dir, "other.ckpt") }),
      ).rejects.toMatchObject({
        code: Status.FAILED_PRECONDITION,
        message: expect.stringMatching(/tokenizer mismatch/),
      });
      await expect(
        stack.draftClient.reload({ checkpointPath: join(dir, "missing.ckpt") }),
      ).rejects.toMatchObject({
        code: Status.FAILED_PRECONDITION,
      });
      // The file's bytes instead of a path (no shared filesystem): same checks, same swap.
      const bytes = new Uint8Array(await readFile(join(dir, "draft.ckpt")));
      const byBytes = await stack.draftClient.reload({ checkpoint: bytes });
      expect(byBytes.model?.modelVersion).toBe(reloaded.model!.modelVersion + 1n);
      await expect(
        stack.draftClient.reload({ checkpoint: new Uint8Array(await readFile(join(dir, "other.ckpt"))) }),
      ).rejects.toMatchObject({
        code: Status.FAILED_PRECONDITION,
        message: expect.stringMatching(/tokenizer mismatch/),
      });
      await expect(stack.draftClient.reload({ checkpoint: bytes.subarray(0, 100) })).rejects.toMatchObject({
        code: Status.FAILED_PRECONDITION,
        message: expect.stringMatching(/truncated|bad|checkpoint/),
      });
      await expect(stack.draftClient.reload({})).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
        message: expect.stringMatching(/exactly one of checkpoint_path and checkpoint/),
      });
      await expect(
        stack.draftClient.reload({ checkpointPath: join(dir, "draft.ckpt"), checkpoint: bytes }),
      ).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("session streams (ScoreSession / ProposeSession)", () => {
  const sampling = { temperature: 1, topK: 0, topP: 0, seed: 3n };

  it("a score on the stream equals the same unary Score; the session ends with the stream", async () => {
    const tokens = [1, 2, 3, 4];
    const unary = await stack.targetClient.createSession({ tokens: tokens.slice(0, 3) });
    const expected = await stack.targetClient.score({
      sessionId: unary.sessionId,
      tokens: [4, 5, 6],
      sampling,
    });
    await stack.targetClient.release({ sessionId: unary.sessionId });

    const stream = new LockstepStream(stack.targetClient.scoreSession());
    const opened = await stream.request({ step: { case: "open", value: { tokens: tokens.slice(0, 3) } } });
    expect(opened.step.case).toBe("opened");
    expect(stack.verifier.info().activeSessions).toBe(1);
    const scored = await stream.request({ step: { case: "score", value: { tokens: [4, 5, 6], sampling } } });
    expect(scored.step.case).toBe("scored");
    const got = scored.step.value as typeof expected;
    expect(got.length).toBe(6);
    expect(got.distributions.map((d) => [...d.probs])).toEqual(
      expected.distributions.map((d) => [...d.probs]),
    );
    await stream.close();
    expect(stack.verifier.info().activeSessions).toBe(0);
  });

  it("bad input on a stream: the right status, the session released, the service still serving", async () => {
    const target = new LockstepStream(stack.targetClient.scoreSession());
    await target.request({ step: { case: "open", value: { tokens: [1, 2] } } });
    await expect(
      target.request({ step: { case: "score", value: { tokens: [99999], sampling } } }),
    ).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, message: expect.stringMatching(/vocabulary/) });
    const draft = new LockstepStream(stack.draftClient.proposeSession());
    await draft.request({ step: { case: "open", value: { tokens: [1, 2] } } });
    await expect(
      draft.request({ step: { case: "propose", value: { tokens: [3], gamma: 0, sampling } } }),
    ).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT, message: expect.stringMatching(/gamma/) });
    await Promise.all([target.close(), draft.close()]);
    expect(stack.verifier.info().activeSessions).toBe(0);
    expect(stack.proposer.info().activeSessions).toBe(0);
    const again = new LockstepStream(stack.draftClient.proposeSession());
    await again.request({ step: { case: "open", value: { tokens: [1, 2] } } });
    const proposed = await again.request({
      step: { case: "propose", value: { tokens: [3], gamma: 3, sampling } },
    });
    expect((proposed.step.value as { tokenIds: number[] }).tokenIds).toHaveLength(3);
    await again.close();
  });

  it("a client that cancels its stream leaks no session", async () => {
    const controller = new AbortController();
    const stream = new LockstepStream(stack.draftClient.proposeSession({ signal: controller.signal }));
    await stream.request({ step: { case: "open", value: { tokens: [1, 2, 3] } } });
    expect(stack.proposer.info().activeSessions).toBe(1);
    controller.abort();
    await expect(
      stream.request({ step: { case: "propose", value: { tokens: [4], gamma: 2, sampling } } }),
    ).rejects.toMatchObject({ code: Status.CANCELLED });
    for (let i = 0; i < 100 && stack.proposer.info().activeSessions > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(stack.proposer.info().activeSessions).toBe(0);
  });
});

describe("lossy acceptance rules over gRPC", () => {
  it("lists the loaded plugins and runs lenience; ε = 1 equals lossless for the same seed", async () => {
    const listed = await stack.controller.listAcceptanceRules({});
    expect(listed.rules.map((r) => r.id).sort()).toEqual(["lenience", "lossless", "top-k", "typical"]);
    const request = (rule?: { name: string; optionsJson: string }): Request => ({
      prompt: { case: "text", value: "The people of the" },
      maxNewTokens: 24,
      gamma: 4,
      sampling: { temperature: 1, seed: 5n },
      ...(rule ? { acceptanceRule: rule } : {}),
    });
    const lossless = await run(request());
    const lenient = await run(request({ name: "lenience", optionsJson: '{"f":"exp","epsilon":1}' }));
    expect(lenient.ids).toEqual(lossless.ids);
    await expect(
      run(request({ name: "lenience", optionsJson: '{"f":"exp","epsilon":2}' })),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: expect.stringMatching(/epsilon/),
    });
  });
});
