import {
  DraftProposer,
  type SpeculativeParams,
  speculativeGenerate,
  TargetVerifier,
} from "@distillspec/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noisyDraftOf, tinyTarget } from "./support/tiny-models.js";

// Lookahead drafts the next block while the target verifies the current one. It must change nothing but
// the timing: the early proposal is the one the draft would have made (same context, same seed), so
// outputs are identical with and without it, greedy and sampled. (Its losslessness is also checked
// statistically in speculative-sampling.test.ts.)

const target = tinyTarget(4);
let verifier: TargetVerifier;
let proposer: DraftProposer;

beforeAll(async () => {
  verifier = await TargetVerifier.create(target);
  proposer = await DraftProposer.create(noisyDraftOf(target, 0.02, 11));
});
afterAll(async () => {
  await verifier.close();
  await proposer.close();
});

async function generate(params: Omit<SpeculativeParams, "contextLength">) {
  const tokens: number[] = [];
  let hits = 0;
  let rounds = 0;
  for await (const event of speculativeGenerate(verifier, proposer, {
    ...params,
    contextLength: target.config.contextLength,
  })) {
    if (event.kind === "tokens") tokens.push(...event.tokens);
    else {
      hits += event.stats.lookaheadHits;
      rounds += event.stats.rounds;
    }
  }
  return { tokens, hits, rounds };
}

describe("lookahead (drafting during verification)", () => {
  it("sampled: the same seed gives the same tokens with and without lookahead, and early proposals are used", async () => {
    let hits = 0;
    let rounds = 0;
    for (let seed = 0; seed < 100; seed++) {
      const params = {
        promptTokens: [5, 17, 33, 2, 40],
        maxNewTokens: 30,
        gamma: 1 + (seed % 4),
        sampling: { temperature: 1, topK: 4, seed: BigInt(seed) },
      };
      const plain = await generate(params);
      const ahead = await generate({ ...params, lookahead: true });
      expect(ahead.tokens, `seed ${seed}`).toEqual(plain.tokens);
      expect(plain.hits).toBe(0);
      hits += ahead.hits;
      rounds += ahead.rounds;
    }
    expect(hits / rounds).toBeGreaterThan(0.1);
  });

  it("greedy: equals target-only decoding for γ = 1..8, at a stop token and at the context end", async () => {
    const prompts = Array.from({ length: 16 }, (_, i) =>
      Array.from({ length: 1 + (i % 5) * 4 }, (_, j) => (i * 11 + j * 5 + 1) % target.config.vocabSize),
    );
    let hits = 0;
    for (const [i, prompt] of prompts.entries()) {
      const expected: number[] = [];
      for await (const step of verifier.generate(prompt, 24, { temperature: 0 })) expected.push(step.tokenId);
      const gamma = 1 + (i % 8);
      const run = await generate({
        promptTokens: prompt,
        maxNewTokens: 24,
        gamma,
        sampling: { temperature: 0 },
        lookahead: true,
      });
      expect(run.tokens, `prompt ${i}, γ ${gamma}`).toEqual(expected);
      hits += run.hits;
      const stop = expected[9];
      const stopped = await generate({
        promptTokens: prompt,
        maxNewTokens: 24,
        gamma,
        sampling: { temperature: 0 },
        stopTokenIds: [stop],
        lookahead: true,
      });
      expect(stopped.tokens).toEqual(expected.slice(0, expected.indexOf(stop) + 1));
    }
    expect(hits).toBeGreaterThan(0);
    const long = Array.from({ length: 118 }, (_, j) => (j * 5) % 64); // context 128
    const tail: number[] = [];
    for await (const step of verifier.generate(long, 50, { temperature: 0 })) tail.push(step.tokenId);
    expect(
      (
        await generate({
          promptTokens: long,
          maxNewTokens: 50,
          gamma: 3,
          sampling: { temperature: 0 },
          lookahead: true,
        })
      ).tokens,
    ).toEqual(tail);
  });

  it("a failure while scoring waits for the early proposal, then releases both sessions", async () => {
    const failing = Object.create(verifier) as TargetVerifier;
    let calls = 0;
    failing.score = async (...args: Parameters<TargetVerifier["score"]>) => {
      if (++calls === 2) throw new RangeError("scoring failed");
      return verifier.score(...args);
    };
    const run = async () => {
      for await (const _ of speculativeGenerate(failing, proposer, {
        promptTokens: [1, 2, 3],
        maxNewTokens: 40,
        gamma: 2,
        sampling: { temperature: 0 },
        contextLength: target.config.contextLength,
        lookahead: true,
      })) {
        // drain
      }
    };
    await expect(run()).rejects.toThrow("scoring failed");
    expect(verifier.info().activeSessions).toBe(0);
    expect(proposer.info().activeSessions).toBe(0);
  });
});
