import { DraftProposer, speculativeGenerate, TargetVerifier } from "@distillspec/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chiSquareTest } from "../packages/core/test/helpers/chi-square.js";
import { noisyDraftOf, tinyTarget } from "./support/tiny-models.js";

// Lossless sampling, end to end through the services' logic: the joint distribution of the first two
// generated tokens must equal the target's own (temperature 1, top-k 4: 16 outcomes, small enough to
// enumerate exactly). Chi-square goodness of fit at significance α = 0.001, seeded so it cannot flake.

const SIGNIFICANCE = 0.001;
const SAMPLES = 3000;
const sampling = { temperature: 1, topK: 4 };
const target = tinyTarget(4);
const prompt = [5, 17, 33, 2, 40];
let verifier: TargetVerifier;

beforeAll(async () => {
  verifier = await TargetVerifier.create(target);
});
afterAll(async () => {
  await verifier.close();
});

/** Exact P(t1, t2) over the target's processed distributions, keyed "t1,t2". */
async function exactJoint(): Promise<Map<string, number>> {
  const joint = new Map<string, number>();
  const { sessionId } = await verifier.createSession(prompt.slice(0, -1));
  const first = (await verifier.score(sessionId, [prompt.at(-1)!], sampling)).distributions[0];
  for (let t1 = 0; t1 < first.length; t1++) {
    if (first[t1] === 0) continue;
    const second = (await verifier.score(sessionId, [t1], sampling, prompt.length)).distributions[0];
    second.forEach((p2, t2) => {
      if (p2 > 0) joint.set(`${t1},${t2}`, first[t1] * p2);
    });
  }
  verifier.release(sessionId);
  return joint;
}

describe("sampled speculative decoding is lossless", () => {
  it.each([
    ["close draft", 0.02],
    ["poor draft", 0.05],
  ])("first two tokens follow the target's distribution (%s)", async (_name, noise) => {
    const proposer = await DraftProposer.create(noisyDraftOf(target, noise, 11));
    const exact = await exactJoint();
    const counts = new Map<string, number>();
    let accepted = 0;
    let proposed = 0;
    for (let s = 0; s < SAMPLES; s++) {
      const tokens: number[] = [];
      for await (const event of speculativeGenerate(verifier, proposer, {
        promptTokens: prompt,
        maxNewTokens: 4,
        gamma: 3,
        sampling: { ...sampling, seed: BigInt(s) },
        contextLength: target.config.contextLength,
      })) {
        if (event.kind === "tokens") tokens.push(...event.tokens);
        else {
          accepted += event.stats.metrics.numAcceptedTokens;
          proposed += event.stats.metrics.numDraftTokens;
        }
      }
      const key = `${tokens[0]},${tokens[1]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    // Outcomes the target gives probability 0 must never occur.
    for (const key of counts.keys()) expect(exact.has(key), `impossible outcome ${key}`).toBe(true);
    // Pool rare outcomes so every expected count is ≥ 5 (the chi-square approximation needs it).
    const cells = [...exact.entries()].sort((a, b) => b[1] - a[1]);
    const probs: number[] = [];
    const observed: number[] = [];
    let restP = 0;
    let restN = 0;
    for (const [key, p] of cells) {
      if (p * SAMPLES >= 5) {
        probs.push(p);
        observed.push(counts.get(key) ?? 0);
      } else {
        restP += p;
        restN += counts.get(key) ?? 0;
      }
    }
    if (restP > 0) {
      probs.push(restP);
      observed.push(restN);
    }
    const result = chiSquareTest(observed, probs);
    expect(result.df).toBeGreaterThanOrEqual(3);
    expect(result.pValue).toBeGreaterThan(SIGNIFICANCE);
    // The draft was really used: some of its tokens were accepted, some rejected.
    expect(accepted / proposed).toBeGreaterThan(0.05);
    expect(accepted / proposed).toBeLessThan(1);
    await proposer.close();
  });
});
