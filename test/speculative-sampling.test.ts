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

/** Exact P(t1, …, t_depth) over the target's processed distributions, keyed "t1,…,t_depth". */
async function exactJoint(depth: number): Promise<Map<string, number>> {
  const joint = new Map<string, number>();
  const { sessionId } = await verifier.createSession(prompt.slice(0, -1));
  const walk = async (prefix: number[], p: number, feed: number, cached: number): Promise<void> => {
    const next = (await verifier.score(sessionId, [feed], sampling, cached)).distributions[0];
    for (let t = 0; t < next.length; t++) {
      if (next[t] === 0) continue;
      if (prefix.length + 1 === depth) joint.set([...prefix, t].join(","), p * next[t]);
      else await walk([...prefix, t], p * next[t], t, cached + 1);
    }
  };
  await walk([], 1, prompt.at(-1)!, prompt.length - 1);
  verifier.release(sessionId);
  return joint;
}

/** Chi-square p-value of `counts` against `exact`, pooling outcomes expected fewer than 5 times. */
function goodnessOfFit(exact: Map<string, number>, counts: Map<string, number>, samples: number) {
  for (const key of counts.keys()) expect(exact.has(key), `impossible outcome ${key}`).toBe(true);
  const cells = [...exact.entries()].sort((a, b) => b[1] - a[1]);
  const probs: number[] = [];
  const observed: number[] = [];
  let restP = 0;
  let restN = 0;
  for (const [key, p] of cells) {
    if (p * samples >= 5) {
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
  return chiSquareTest(observed, probs);
}

/** SAMPLES seeded generations: counts of the first `depth` tokens, and totals of the run statistics. */
async function sampleOutcomes(proposer: DraftProposer, depth: number, gamma: number, lookahead: boolean) {
  const counts = new Map<string, number>();
  const totals = { accepted: 0, proposed: 0, hits: 0, rounds: 0 };
  for (let s = 0; s < SAMPLES; s++) {
    const tokens: number[] = [];
    for await (const event of speculativeGenerate(verifier, proposer, {
      promptTokens: prompt,
      maxNewTokens: 4,
      gamma,
      sampling: { ...sampling, seed: BigInt(s) },
      contextLength: target.config.contextLength,
      lookahead,
    })) {
      if (event.kind === "tokens") tokens.push(...event.tokens);
      else {
        totals.accepted += event.stats.metrics.numAcceptedTokens;
        totals.proposed += event.stats.metrics.numDraftTokens;
        totals.hits += event.stats.lookaheadHits;
        totals.rounds += event.stats.rounds;
      }
    }
    const key = tokens.slice(0, depth).join(",");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { counts, totals };
}

describe("sampled speculative decoding is lossless", () => {
  it.each([
    ["close draft", 0.02],
    ["poor draft", 0.05],
  ])("first two tokens follow the target's distribution (%s)", async (_name, noise) => {
    const proposer = await DraftProposer.create(noisyDraftOf(target, noise, 11));
    const { counts, totals } = await sampleOutcomes(proposer, 2, 3, false);
    // Outcomes the target gives probability 0 must never occur; the rest must fit (rare ones pooled).
    const result = goodnessOfFit(await exactJoint(2), counts, SAMPLES);
    expect(result.df).toBeGreaterThanOrEqual(3);
    expect(result.pValue).toBeGreaterThan(SIGNIFICANCE);
    // The draft was really used: some of its tokens were accepted, some rejected.
    expect(totals.accepted / totals.proposed).toBeGreaterThan(0.05);
    expect(totals.accepted / totals.proposed).toBeLessThan(1);
    await proposer.close();
  });

  it("with lookahead (the next block drafted during verification), the first four tokens follow the target's distribution", async () => {
    const proposer = await DraftProposer.create(noisyDraftOf(target, 0.02, 11));
    const { counts, totals } = await sampleOutcomes(proposer, 4, 1, true);
    const result = goodnessOfFit(await exactJoint(4), counts, SAMPLES);
    expect(result.df).toBeGreaterThanOrEqual(10);
    expect(result.pValue).toBeGreaterThan(SIGNIFICANCE);
    // Early proposals were really used, in a good share of the rounds that could use one.
    expect(totals.hits / totals.rounds).toBeGreaterThan(0.1);
    await proposer.close();
    expect(verifier.info().activeSessions).toBe(0);
  });
});
