import type { CallOptions, ServiceClient, ServiceMethods } from "@distillspec/grpc";
import {
  type DraftProposerService,
  distributionFromWire,
  type TargetVerifierService,
} from "@distillspec/proto";
import type { DraftBackend, SeededSampling, TargetBackend } from "./backends.js";

// The speculative loop's backends over gRPC. `callOptions` is evaluated per call so every downstream
// call carries the deadline and cancellation of the client request being served.

export type TargetClient = ServiceClient<ServiceMethods<typeof TargetVerifierService>>;
export type DraftClient = ServiceClient<ServiceMethods<typeof DraftProposerService>>;

const RELEASE_OPTIONS: CallOptions = { timeoutMs: 5_000 };

const wireSampling = (s: SeededSampling) => ({
  temperature: s.temperature,
  topK: s.topK ?? 0,
  topP: s.topP ?? 0,
  seed: BigInt(s.seed ?? 0),
});

export function remoteTarget(
  client: TargetClient,
  callOptions: () => CallOptions,
  vocabSize: number,
): TargetBackend {
  return {
    createSession: (tokens, sessionId) =>
      client.createSession({ tokens: [...tokens], sessionId }, callOptions()),
    score: async (sessionId, tokens, sampling, truncateTo) => {
      const response = await client.score(
        { sessionId, tokens: [...tokens], sampling: wireSampling(sampling), truncateTo },
        callOptions(),
      );
      return {
        distributions: response.distributions.map((d) => distributionFromWire(d, vocabSize)),
        length: response.length,
      };
    },
    // Release must get through even when the request it served was cancelled: its own short deadline.
    release: async (sessionId) => {
      await client.release({ sessionId }, RELEASE_OPTIONS);
    },
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
  return {
    createSession: (tokens, sessionId) =>
      client.createSession({ tokens: [...tokens], sessionId }, callOptions()),
    propose: async (sessionId, tokens, gamma, sampling, truncateTo) => {
      const response = await client.propose(
        { sessionId, tokens: [...tokens], gamma, sampling: wireSampling(sampling), truncateTo },
        callOptions(),
      );
      return {
        tokenIds: response.tokenIds,
        distributions: response.distributions.map((d) => distributionFromWire(d, vocabSize)),
        length: response.length,
      };
    },
    // Release must get through even when the request it served was cancelled: its own short deadline.
    release: async (sessionId) => {
      await client.release({ sessionId }, RELEASE_OPTIONS);
    },
  };
}
