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
}

export type LoopEvent = { kind: "tokens"; tokens: number[] } | { kind: "done"; stats: LoopStats };

export interface LoopStats {
  metrics: SpecMetrics;
  rounds: number;
  draftNs: bigint;
  targetNs: bigint;
  wallNs: bigint;
  finishReason: "length" | "stop" | "context" | "cancelled";
  emitted: number;
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
    wallNs: 0n,
    finishReason: "length",
    emitted: 0,
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
  const failed = opened.find((o) => o.status === "rejected");
  if (failed) {
    await releaseAll();
    throw failed.reason;
  }
  try {
    const committed = [...prompt];
    let targetValid = prompt.length - 1; // cache prefix that still matches `committed`
    let draftValid = prompt.length - 1;
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

      // propose
      let proposal = { tokenIds: [] as number[], distributions: [] as Float32Array[] };
      if (gamma > 0) {
        const t0 = process.hrtime.bigint();
        proposal = await draft.propose(
          draftSession.sessionId,
          committed.slice(draftValid),
          gamma,
          { ...sampling, seed: roundSeed(seed, stats.rounds) },
          draftValid,
        );
        stats.draftNs += process.hrtime.bigint() - t0;
      }

      // score: one target pass over the committed tokens it lacks plus the proposals
      const t1 = process.hrtime.bigint();
      const scored = await target.score(
        targetSession.sessionId,
        [...committed.slice(targetValid), ...proposal.tokenIds],
        sampling,
        targetValid,
      );
      stats.targetNs += process.hrtime.bigint() - t1;
      const targetProbs = scored.distributions.slice(-(gamma + 1));

      // accept
      const result = verifyDraft({
        draftTokens: proposal.tokenIds,
        draftProbs: proposal.distributions,
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
      targetValid = committed.length + accepted;
      // The draft cached the committed tokens it was sent and its first γ−1 proposals.
      if (gamma > 0) draftValid = Math.min(targetValid, committed.length + gamma - 1);
      committed.push(...emitted);
      stats.emitted += emitted.length;
      stats.rounds++;
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
