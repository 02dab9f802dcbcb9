import { randomUUID } from "node:crypto";
import {
  type AcceptanceRule,
  createRng,
  losslessRule,
  SpecMetrics,
  validateSamplingParams,
  verifyDraft,
} from "@distillspec/core";
import type { DraftBackend, SeededSampling, TargetBackend } from "./backends.js";

// The speculative loop, one round at a time: propose (draft) → score (target, one forward pass over
// the new committed tokens and the γ proposals) → accept (the rule) → commit. Caches are never
// re-prefilled: the next call tells each service how much of its cache is still valid (truncateTo).

export interface SpeculativeParams {
  promptTokens: readonly number[];
  maxNewTokens: number;
  gamma: number;
  sampling: SeededSampling;
  /** Generation ends after emitting one of these (it is included). */
  stopTokenIds?: readonly number[];
  rule?: AcceptanceRule;
  /** Shortest context of the two models. */
  contextLength: number;
  signal?: AbortSignal;
  /** Checked after each batch of tokens is consumed, e.g. a stop sequence seen in the decoded text. */
  shouldStop?: () => boolean;
  /**
   * Overlap drafting with verification: while the target scores a block, the draft already proposes the
   * next one, assuming the whole block and its own guess for the bonus token are accepted. When they are,
   * the next round starts with its proposal ready. The output is unchanged (the early proposal is the one
   * the draft would have made, same context and seed); the cost is one more draft step per round and
   * wasted draft work when the guess misses.
   */
  lookahead?: boolean;
}

interface Proposal {
  tokenIds: number[];
  distributions: Float32Array[];
}

export type LoopEvent = { kind: "tokens"; tokens: number[] } | { kind: "done"; stats: LoopStats };

export interface LoopStats {
  metrics: SpecMetrics;
  rounds: number;
  draftNs: bigint;
  targetNs: bigint;
  /** Opening both sessions (prefilling the prompt into both caches). */
  prefillNs: bigint;
  wallNs: bigint;
  finishReason: "length" | "stop" | "context" | "cancelled";
  emitted: number;
  /** Rounds that started with the proposal drafted during the previous verification. */
  lookaheadHits: number;
}

/** A per-round seed for the draft's sampling, so one request seed fixes the whole output. */
function roundSeed(seed: bigint, round: number): bigint {
  return BigInt.asUintN(64, seed * 0x9e3779b97f4a7c15n + BigInt(round) * 0xbf58476d1ce4e5b9n + 1n);
}

export async function* speculativeGenerate(
  target: TargetBackend,
  draft: DraftBackend,
  params: SpeculativeParams,
): AsyncGenerator<LoopEvent> {
  const sampling = validateSamplingParams(params.sampling);
  const prompt = params.promptTokens;
  const seed = BigInt(params.sampling.seed ?? 0);
  const rule = params.rule ?? losslessRule;
  const greedy = sampling.temperature === 0;
  const stop = new Set(params.stopTokenIds ?? []);
  if (prompt.length === 0) throw new RangeError("prompt must not be empty");
  if (prompt.length >= params.contextLength) {
    throw new RangeError(
      `prompt of ${prompt.length} tokens leaves no room in the context of ${params.contextLength}`,
    );
  }
  const started = process.hrtime.bigint();
  const stats: LoopStats = {
    metrics: new SpecMetrics(),
    rounds: 0,
    draftNs: 0n,
    targetNs: 0n,
    prefillNs: 0n,
    wallNs: 0n,
    finishReason: "length",
    emitted: 0,
    lookaheadHits: 0,
  };
  const rng = createRng(seed);
  // Session ids are chosen here, so sessions can be released even if their creation call fails midway.
  const targetSession = { sessionId: randomUUID() };
  const draftSession = { sessionId: randomUUID() };
  const releaseAll = () =>
    Promise.allSettled([
      Promise.resolve().then(() => target.release(targetSession.sessionId)),
      Promise.resolve().then(() => draft.release(draftSession.sessionId)),
    ]);
  const opened = await Promise.allSettled([
    target.createSession(prompt.slice(0, -1), targetSession.sessionId),
    draft.createSession(prompt.slice(0, -1), draftSession.sessionId),
  ]);
  stats.prefillNs = process.hrtime.bigint() - started;
  const failed = opened.find((o) => o.status === "rejected");
  if (failed) {
    await releaseAll();
    throw failed.reason;
  }
  try {
    const committed = [...prompt];
    let targetValid = prompt.length - 1; // cache prefix that still matches `committed`
    let draftValid = prompt.length - 1;
    let prefetched: Proposal | undefined; // the next block, drafted during the last verification
    while (stats.emitted < params.maxNewTokens) {
      if (params.signal?.aborted) {
        stats.finishReason = "cancelled";
        break;
      }
      const room = Math.min(params.maxNewTokens - stats.emitted, params.contextLength - committed.length);
      if (room <= 0) {
        stats.finishReason = "context";
        break;
      }
      const gamma = Math.min(params.gamma, room - 1);
      const drafted = params.lookahead === true && gamma > 0 ? gamma + 1 : gamma; // + a guess for the bonus

      // propose (unless the last round already did)
      let proposal: Proposal = prefetched ?? { tokenIds: [], distributions: [] };
      if (!prefetched && gamma > 0) {
        const t0 = process.hrtime.bigint();
        proposal = await draft.propose(
          draftSession.sessionId,
          committed.slice(draftValid),
          drafted,
          { ...sampling, seed: roundSeed(seed, stats.rounds) },
          draftValid,
        );
        stats.draftNs += process.hrtime.bigint() - t0;
      }
      prefetched = undefined;
      const draftTokens = proposal.tokenIds.slice(0, gamma);
      const guess = drafted > gamma ? proposal.tokenIds[gamma] : undefined;
      // What the draft's cache holds after proposing: every drafted token but the last was fed back.
      const draftFed = committed.length + (guess === undefined ? gamma - 1 : gamma);

      // score: one target pass over the committed tokens it lacks plus the proposals; meanwhile the draft
      // proposes the next block as if all of them and the guess were accepted
      const t1 = process.hrtime.bigint();
      const scoring = target.score(
        targetSession.sessionId,
        [...committed.slice(targetValid), ...draftTokens],
        sampling,
        targetValid,
      );
      const nextRoom = Math.min(
        params.maxNewTokens - stats.emitted - (gamma + 1),
        params.contextLength - committed.length - (gamma + 1),
      );
      const ahead =
        guess !== undefined && nextRoom >= params.gamma + 1
          ? draft.propose(
              draftSession.sessionId,
              [guess],
              params.gamma + 1,
              { ...sampling, seed: roundSeed(seed, stats.rounds + 1) },
              draftFed,
            )
          : undefined;
      let scored: Awaited<typeof scoring>;
      try {
        scored = await scoring;
      } catch (error) {
        await ahead?.catch(() => {}); // the session stream must be idle before it is released
        throw error;
      }
      stats.targetNs += process.hrtime.bigint() - t1;
      const targetProbs = scored.distributions.slice(-(gamma + 1));

      // accept
      const result = verifyDraft({
        draftTokens,
        draftProbs: proposal.distributions.slice(0, gamma),
        targetProbs,
        rule,
        rng,
        greedy,
      });

      // commit: emitted tokens, cut at a stop token and at the room left
      let emitted = result.emitted.slice(0, room);
      const stopAt = emitted.findIndex((t) => stop.has(t));
      if (stopAt >= 0) emitted = emitted.slice(0, stopAt + 1);
      const accepted = Math.min(result.acceptedCount, emitted.length);
      const hit = ahead !== undefined && emitted.length === gamma + 1 && emitted[gamma] === guess;
      if (ahead) {
        const t2 = process.hrtime.bigint();
        try {
          const next = await ahead;
          if (hit) prefetched = next;
        } catch (error) {
          if (hit) throw error; // otherwise the early proposal was not needed
        }
        stats.draftNs += process.hrtime.bigint() - t2;
      }
      targetValid = committed.length + accepted;
      // Without a proposal the draft's cache is unchanged. (After a hit no propose call reads draftValid:
      // the next round's proposal is already drafted.)
      if (gamma > 0) draftValid = Math.min(targetValid, draftFed);
      committed.push(...emitted);
      stats.emitted += emitted.length;
      stats.rounds++;
      if (hit) stats.lookaheadHits++;
      stats.metrics.record({ proposed: gamma, acceptedCount: accepted, emitted: emitted.length });
      yield { kind: "tokens", tokens: emitted };
      if (stopAt >= 0 || params.shouldStop?.()) {
        stats.finishReason = "stop";
        break;
      }
    }
  } finally {
    await releaseAll();
  }
  stats.wallNs = process.hrtime.bigint() - started;
  yield { kind: "done", stats };
}
