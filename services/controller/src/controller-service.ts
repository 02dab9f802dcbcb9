import type { MessageInitShape } from "@bufbuild/protobuf";
import { samplingParamsError } from "@distillspec/core";
import { type CallContext, defineService, downstreamCallOptions, invalidArgument } from "@distillspec/grpc";
import {
  ControllerService,
  DecodingMode,
  type GenerateRequest,
  type GenerationStatsSchema,
  type ModelInfo,
  samplingFromWire,
} from "@distillspec/proto";
import type { AcceptanceRuleRegistry } from "@distillspec/serving";
import {
  type DraftClient,
  remoteDraft,
  remoteTarget,
  speculativeGenerate,
  type TargetClient,
  TextStreamer,
} from "@distillspec/serving";
import type { Tokenizer } from "@distillspec/tokenizer";
import type { ReplicaPool } from "./replica-pool.js";

// The controller's gRPC face: validates a Generate request, runs the speculative loop (or target-only
// decoding) against one target and one draft replica, streams text deltas, then the statistics.

export interface ControllerDeps {
  tokenizer: Tokenizer;
  targets: ReplicaPool<TargetClient>;
  drafts: ReplicaPool<DraftClient>;
  /** Drafts distilled for greedy decoding: temperature-0 requests use them when present. */
  greedy?: { drafts: ReplicaPool<DraftClient>; draft: ModelInfo };
  rules: AcceptanceRuleRegistry;
  target: ModelInfo;
  draft: ModelInfo;
  maxGamma: number;
}

/** The shortest context of the models a request may touch. */
function sharedContextLength(deps: ControllerDeps): number {
  return Math.min(
    deps.target.contextLength,
    deps.draft.contextLength,
    deps.greedy?.draft.contextLength ?? Number.POSITIVE_INFINITY,
  );
}

type Stats = MessageInitShape<typeof GenerationStatsSchema>;

function promptTokens(request: GenerateRequest, deps: ControllerDeps): number[] {
  const { prompt } = request;
  let tokens: number[];
  if (prompt.case === "text") tokens = deps.tokenizer.encode(prompt.value);
  else if (prompt.case === "tokenIds") tokens = prompt.value.tokens;
  else throw invalidArgument("a prompt is required: set text or token_ids");
  if (tokens.length === 0) throw invalidArgument("the prompt is empty");
  const vocab = deps.tokenizer.vocabSize;
  tokens.forEach((t, i) => {
    if (t < 0 || t >= vocab)
      throw invalidArgument(`prompt token ${t} at position ${i} is outside the vocabulary [0, ${vocab})`);
  });
  const context = sharedContextLength(deps);
  if (tokens.length >= context) {
    throw invalidArgument(
      `the prompt has ${tokens.length} tokens; the context holds ${context}, with room to generate`,
    );
  }
  return tokens;
}

/** Index just past the first stop sequence found in `text` at or after `from`, or −1. */
function stopIndex(text: string, stops: readonly string[], from: number): number {
  let best = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop, Math.max(0, from - stop.length));
    if (at >= 0 && (best < 0 || at + stop.length < best)) best = at + stop.length;
  }
  return best;
}

export function controllerService(deps: ControllerDeps) {
  const contextLength = sharedContextLength(deps);

  async function* generate(request: GenerateRequest, context: CallContext) {
    const started = process.hrtime.bigint();
    const prompt = promptTokens(request, deps);
    if (request.maxNewTokens < 1)
      throw invalidArgument(`max_new_tokens must be ≥ 1, got ${request.maxNewTokens}`);
    const sampling = samplingFromWire(request.sampling);
    const samplingError = samplingParamsError(sampling);
    if (samplingError) throw invalidArgument(samplingError);
    const targetOnly = request.mode === DecodingMode.TARGET_ONLY;
    if (!targetOnly && (request.gamma < 1 || request.gamma > deps.maxGamma)) {
      throw invalidArgument(`gamma must be in [1, ${deps.maxGamma}], got ${request.gamma}`);
    }
    const stops = request.stopSequences.filter((s) => s.length > 0);
    const rule = deps.rules.resolve(
      request.acceptanceRule?.name ?? "",
      request.acceptanceRule?.optionsJson ?? "",
    );
    const callOptions = () => downstreamCallOptions(context);
    const target = remoteTarget(deps.targets.next(), callOptions, deps.target.vocabSize);
    const streamer = new TextStreamer(deps.tokenizer);
    // Generation ends at the end-of-text token, as target-only decoding does.
    const endOfText = [deps.tokenizer.eosId];
    let stopped = false;

    // Shared by both modes: decode, cut at a stop sequence, build the delta message.
    const delta = (tokens: number[]) => {
      const before = streamer.shownLength;
      let text = streamer.push(tokens);
      const end = stops.length > 0 ? stopIndex(streamer.fullText, stops, before) : -1;
      if (end >= 0) {
        text = streamer.fullText.slice(before, end);
        stopped = true;
      }
      return { event: { case: "delta" as const, value: { text, tokenIds: tokens } } };
    };

    if (targetOnly) {
      let emitted = 0;
      let last = -1;
      let finishReason = "length";
      for await (const { tokenId } of target.generate(
        prompt,
        request.maxNewTokens,
        sampling,
        endOfText,
        context.signal,
      )) {
        emitted++;
        last = tokenId;
        yield delta([tokenId]);
        if (stopped) {
          finishReason = "stop";
          break;
        }
      }
      if (!stopped && emitted < request.maxNewTokens)
        finishReason = endOfText.includes(last) ? "stop" : "context";
      const wall = process.hrtime.bigint() - started;
      const stats: Stats = {
        alpha: 0,
        tau: 1,
        numRounds: emitted,
        numEmittedTokens: emitted,
        targetNs: wall,
        wallNs: wall,
        finishReason,
        promptTokens: prompt.length,
      };
      yield { event: { case: "stats" as const, value: stats } };
      return;
    }

    // A draft distilled at the request's decoding temperature agrees with the target more often.
    const pool = sampling.temperature === 0 && deps.greedy ? deps.greedy : deps;
    const draft = remoteDraft(pool.drafts.next(), callOptions, pool.draft.vocabSize);
    const events = speculativeGenerate(target, draft, {
      promptTokens: prompt,
      maxNewTokens: request.maxNewTokens,
      gamma: request.gamma,
      sampling,
      rule,
      stopTokenIds: endOfText,
      contextLength,
      signal: context.signal,
      shouldStop: () => stopped,
      lookahead: request.lookahead,
    });
    for await (const event of events) {
      if (event.kind === "tokens") {
        yield delta(event.tokens);
        continue;
      }
      const { stats } = event;
      const m = stats.metrics.snapshot();
      const tail = streamer.flush();
      if (tail && !stopped) yield { event: { case: "delta" as const, value: { text: tail, tokenIds: [] } } };
      const value: Stats = {
        alpha: m.alpha,
        tau: m.tau,
        acceptancePerPosition: m.acceptance_per_position,
        numRounds: stats.rounds,
        numDrafts: BigInt(m.num_drafts),
        numDraftTokens: BigInt(m.num_draft_tokens),
        numAcceptedTokens: BigInt(m.num_accepted_tokens),
        numAcceptedTokensPerPos: m.num_accepted_tokens_per_pos.map((n) => BigInt(n)),
        numEmittedTokens: stats.emitted,
        draftNs: stats.draftNs,
        targetNs: stats.targetNs,
        prefillNs: stats.prefillNs,
        wallNs: process.hrtime.bigint() - started,
        finishReason: stopped ? "stop" : stats.finishReason,
        promptTokens: prompt.length,
        lookaheadHits: stats.lookaheadHits,
      };
      yield { event: { case: "stats" as const, value } };
    }
  }

  return defineService(ControllerService, {
    generate,
    topology: () => ({
      targetAddresses: [...deps.targets.addresses],
      draftAddresses: [...deps.drafts.addresses],
      target: deps.target,
      draft: deps.draft,
      greedyDraftAddresses: [...(deps.greedy?.drafts.addresses ?? [])],
      greedyDraft: deps.greedy?.draft,
    }),
    listAcceptanceRules: () => ({
      rules: deps.rules
        .list()
        .map((r) => ({ id: r.id, packageName: r.packageName, version: r.version, kind: "acceptance-rule" })),
    }),
  });
}
