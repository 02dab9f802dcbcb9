import { DraftProposer, speculativeGenerate, TargetVerifier } from "@distillspec/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noisyDraftOf, tinyTarget } from "./support/tiny-models.js";

// Greedy speculative decoding must reproduce target-only greedy decoding token for token, whatever the
// draft and γ. In process (no gRPC) so that 50 prompts × 8 values of γ stay fast.

const target = tinyTarget();
let verifier: TargetVerifier;
let drafts: { name: string; proposer: DraftProposer }[];

beforeAll(async () => {
  verifier = await TargetVerifier.create(target);
  drafts = [
    { name: "close draft", proposer: await DraftProposer.create(noisyDraftOf(target, 0.02)) },
    { name: "poor draft", proposer: await DraftProposer.create(noisyDraftOf(target, 0.3, 9)) },
  ];
});

afterAll(async () => {
  await verifier.close();
  for (const d of drafts) await d.proposer.close();
});

const prompts = Array.from({ length: 50 }, (_, i) =>
  Array.from({ length: 1 + (i % 7) * 3 }, (_, j) => (i * 13 + j * 7 + 3) % target.config.vocabSize),
);

async function targetOnly(prompt: number[], maxNew: number, stop: number[] = []): Promise<number[]> {
  const out: number[] = [];
  for await (const step of verifier.generate(prompt, maxNew, { temperature: 0 }, stop))
    out.push(step.tokenId);
  return out;
}

async function speculative(
  proposer: DraftProposer,
  prompt: number[],
  maxNew: number,
  gamma: number,
  stop: number[] = [],
) {
  const tokens: number[] = [];
  let alpha = Number.NaN;
  for await (const event of speculativeGenerate(verifier, proposer, {
    promptTokens: prompt,
    maxNewTokens: maxNew,
    gamma,
    sampling: { temperature: 0 },
    stopTokenIds: stop,
    contextLength: target.config.contextLength,
  })) {
    if (event.kind === "tokens") tokens.push(...event.tokens);
    else alpha = event.stats.metrics.alpha;
  }
  return { tokens, alpha };
}

describe("greedy speculative decoding equals target-only greedy decoding", () => {
  it("on 50 prompts, γ = 1..8, with a close and a poor draft", async () => {
    const alphas: Record<string, number[]> = {};
    for (const [i, prompt] of prompts.entries()) {
      const expected = await targetOnly(prompt, 20);
      const gamma = 1 + (i % 8);
      for (const { name, proposer } of drafts) {
        const { tokens, alpha } = await speculative(proposer, prompt, 20, gamma);
        expect(tokens, `${name}, prompt ${i}, γ=${gamma}`).toEqual(expected);
        alphas[name] = [...(alphas[name] ?? []), alpha];
      }
    }
    // Both acceptance and rejection paths were exercised.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(alphas["close draft"])).toBeGreaterThan(0.5);
    expect(mean(alphas["poor draft"])).toBeLessThan(mean(alphas["close draft"]));
  });

  it("every γ from 1 to 8 on one prompt, stopping at a stop token and at the context end", async () => {
    const prompt = prompts[5];
    const expected = await targetOnly(prompt, 40);
    const stopToken = expected[17];
    const expectedStopped = await targetOnly(prompt, 40, [stopToken]);
    for (let gamma = 1; gamma <= 8; gamma++) {
      expect((await speculative(drafts[0].proposer, prompt, 40, gamma)).tokens).toEqual(expected);
      expect((await speculative(drafts[0].proposer, prompt, 40, gamma, [stopToken])).tokens).toEqual(
        expectedStopped,
      );
    }
    const long = Array.from({ length: 120 }, (_, j) => (j * 5) % 64);
    const tail = await targetOnly(long, 50);
    expect(tail.length).toBe(8); // context 128
    expect((await speculative(drafts[0].proposer, long, 50, 4)).tokens).toEqual(tail);
  });

  it("releases every session it opened", () => {
    expect(verifier.info().activeSessions).toBe(0);
    for (const d of drafts) expect(d.proposer.info().activeSessions).toBe(0);
  });
});
