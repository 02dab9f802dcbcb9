import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type BidiCall,
  type CallOptions,
  LockstepStream,
  type ServiceClient,
  type ServiceMethods,
} from "@distillspec/grpc";
import {
  type DraftProposerService,
  distributionFromWire,
  type ProposeSessionRequestSchema,
  type ProposeSessionResponse,
  type ScoreSessionRequestSchema,
  type ScoreSessionResponse,
  type TargetVerifierService,
} from "@distillspec/proto";
import type { DraftBackend, SeededSampling, TargetBackend } from "./backends.js";

// The speculative loop's backends over gRPC. Each session is one bidirectional stream (ScoreSession /
// ProposeSession): a round costs one message on an open stream instead of a whole unary call, and the
// service releases the session when the stream ends, even if this process dies. `callOptions` is
// evaluated when a session opens, so its stream carries the deadline and cancellation of the client
// request being served.

export type TargetClient = ServiceClient<ServiceMethods<typeof TargetVerifierService>>;
export type DraftClient = ServiceClient<ServiceMethods<typeof DraftProposerService>>;

type TargetStreamRequest = MessageInitShape<typeof ScoreSessionRequestSchema>;
type DraftStreamRequest = MessageInitShape<typeof ProposeSessionRequestSchema>;

const wireSampling = (s: SeededSampling) => ({
  temperature: s.temperature,
  topK: s.topK ?? 0,
  topP: s.topP ?? 0,
  seed: BigInt(s.seed ?? 0),
});

/** The open session streams of one backend, by session id. */
class SessionStreams<In, Out extends { step: { case: string | undefined; value?: unknown } }> {
  private readonly streams = new Map<string, LockstepStream<In, Out>>();

  /** Opens the session on a new stream (`request` is its "open" message) and returns the "opened" answer. */
  async open(
    sessionId: string,
    call: BidiCall<In, Out>,
    request: In,
  ): Promise<{ sessionId: string; length: number }> {
    if (this.streams.has(sessionId)) throw new RangeError(`session ${sessionId} is already open`);
    const stream = new LockstepStream(call);
    this.streams.set(sessionId, stream);
    const { step } = await stream.request(request);
    if (step.case !== "opened") throw unexpected("opened", step.case);
    return step.value as { sessionId: string; length: number };
  }

  get(sessionId: string): LockstepStream<In, Out> {
    const stream = this.streams.get(sessionId);
    if (!stream) throw new RangeError(`no open session ${sessionId}`);
    return stream;
  }

  /** Ends the session's stream and waits until the service has released the session. */
  async release(sessionId: string): Promise<void> {
    const stream = this.streams.get(sessionId);
    this.streams.delete(sessionId);
    await stream?.close();
  }
}

function unexpected(expected: string, got: string | undefined): Error {
  return new Error(`session stream answered ${got ?? "nothing"} where ${expected} was due`);
}

export function remoteTarget(
  client: TargetClient,
  callOptions: () => CallOptions,
  vocabSize: number,
): TargetBackend {
  const sessions = new SessionStreams<TargetStreamRequest, ScoreSessionResponse>();
  return {
    createSession: (tokens, sessionId) =>
      sessions.open(sessionId, client.scoreSession(callOptions()), {
        step: { case: "open", value: { tokens: [...tokens], sessionId } },
      }),
    score: async (sessionId, tokens, sampling, truncateTo) => {
      const { step } = await sessions.get(sessionId).request({
        step: { case: "score", value: { tokens: [...tokens], sampling: wireSampling(sampling), truncateTo } },
      });
      if (step.case !== "scored") throw unexpected("scored", step.case);
      return {
        distributions: step.value.distributions.map((d) => distributionFromWire(d, vocabSize)),
        length: step.value.length,
      };
    },
    release: (sessionId) => sessions.release(sessionId),
    generate: async function* (prompt, maxNewTokens, sampling, stopTokenIds = [], signal) {
      const options = { ...callOptions(), ...(signal ? { signal } : {}) };
      const stream = client.generate(
        {
          promptTokens: [...prompt],
          maxNewTokens,
          sampling: wireSampling(sampling),
          stopTokenIds: [...stopTokenIds],
        },
        options,
      );
      for await (const message of stream) for (const tokenId of message.tokenIds) yield { tokenId };
    },
  };
}

export function remoteDraft(
  client: DraftClient,
  callOptions: () => CallOptions,
  vocabSize: number,
): DraftBackend {
  const sessions = new SessionStreams<DraftStreamRequest, ProposeSessionResponse>();
  return {
    createSession: (tokens, sessionId) =>
      sessions.open(sessionId, client.proposeSession(callOptions()), {
        step: { case: "open", value: { tokens: [...tokens], sessionId } },
      }),
    propose: async (sessionId, tokens, gamma, sampling, truncateTo) => {
      const { step } = await sessions.get(sessionId).request({
        step: {
          case: "propose",
          value: { tokens: [...tokens], gamma, sampling: wireSampling(sampling), truncateTo },
        },
      });
      if (step.case !== "proposed") throw unexpected("proposed", step.case);
      return {
        tokenIds: step.value.tokenIds,
        distributions: step.value.distributions.map((d) => distributionFromWire(d, vocabSize)),
        length: step.value.length,
      };
    },
    release: (sessionId) => sessions.release(sessionId),
  };
}
