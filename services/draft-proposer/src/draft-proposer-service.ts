import type { MessageInitShape } from "@bufbuild/protobuf";
import { defineService, invalidArgument, serveSessionStream } from "@distillspec/grpc";
import {
  DraftProposerService,
  type DraftProposerServiceCreateSessionRequest,
  distributionToWire,
  type ProposeRequest,
  type ProposeSessionRequest,
  type ProposeSessionResponseSchema,
  samplingFromWire,
  timingsToWire,
} from "@distillspec/proto";
import type { DraftProposer } from "@distillspec/serving";

// gRPC handlers of the draft-proposer. Errors are thrown as they are; the grpc kit maps them.

function requireSession(id: string): string {
  if (!id) throw invalidArgument("session_id is required");
  return id;
}

export function draftProposerService(proposer: DraftProposer) {
  const modelInfo = () => {
    const info = proposer.info();
    return { ...info, parameterCount: BigInt(info.parameterCount), modelVersion: BigInt(info.modelVersion) };
  };
  const createSession = async (request: DraftProposerServiceCreateSessionRequest, signal: AbortSignal) => {
    const startedNs = process.hrtime.bigint();
    const result = await proposer.createSession(request.tokens, request.sessionId, signal);
    return {
      sessionId: result.sessionId,
      length: result.length,
      timings: timingsToWire({ forwardNs: result.forwardNs, startedNs }),
    };
  };
  const propose = async (request: ProposeRequest, sessionId: string) => {
    const startedNs = process.hrtime.bigint();
    const result = await proposer.propose(
      sessionId,
      request.tokens,
      request.gamma,
      samplingFromWire(request.sampling),
      request.truncateTo,
    );
    return {
      tokenIds: result.tokenIds,
      distributions: result.distributions.map(distributionToWire),
      length: result.length,
      timings: timingsToWire({ ...result, startedNs }),
      modelVersion: BigInt(result.modelVersion),
    };
  };

  return defineService(DraftProposerService, {
    info: () => ({
      model: modelInfo(),
      limits: {
        maxGamma: proposer.options.maxGamma,
        maxSessions: proposer.options.maxSessions,
        sessionMemoryBudgetBytes: BigInt(proposer.options.memoryBudgetBytes),
        sessionIdleTtlMs: BigInt(proposer.options.idleTtlMs),
        maxBatch: proposer.options.maxBatch,
      },
      activeSessions: proposer.info().activeSessions,
    }),

    createSession: (request, context) => createSession(request, context.signal),

    propose: (request) => propose(request, requireSession(request.sessionId)),

    proposeSession: (requests, context) =>
      serveSessionStream<ProposeSessionRequest, MessageInitShape<typeof ProposeSessionResponseSchema>>(
        requests,
        {
          kind: (request) =>
            request.step.case === "open" ? "open" : request.step.case === "propose" ? "step" : undefined,
          namedSession: (request) => (request.step.case === "propose" ? request.step.value.sessionId : ""),
          open: async (request) => {
            const value = request.step.value as DraftProposerServiceCreateSessionRequest;
            const response = await createSession(value, context.signal);
            return { sessionId: response.sessionId, response: { step: { case: "opened", value: response } } };
          },
          step: async (request, sessionId) => ({
            step: { case: "proposed", value: await propose(request.step.value as ProposeRequest, sessionId) },
          }),
          release: (sessionId) => proposer.release(sessionId),
        },
      ),

    truncate: async (request) => ({
      length: await proposer.truncate(requireSession(request.sessionId), request.length),
    }),

    release: (request) => {
      proposer.release(requireSession(request.sessionId));
      return {};
    },

    reload: async (request) => {
      const byPath = request.checkpointPath !== "";
      const byBytes = request.checkpoint.byteLength > 0;
      if (byPath === byBytes) throw invalidArgument("give exactly one of checkpoint_path and checkpoint");
      await proposer.reload(byPath ? request.checkpointPath : request.checkpoint);
      return { model: modelInfo() };
    },

    sample: async (request) => {
      const startedNs = process.hrtime.bigint();
      const continuations = await proposer.sample(
        request.prompts.map((p) => p.tokens),
        request.maxNewTokens,
        samplingFromWire(request.sampling),
        request.stopTokenIds,
      );
      // Only the wall time: forward passes are shared across prompts, so per-call forward time is not kept.
      return {
        continuations: continuations.map((tokens) => ({ tokens })),
        timings: timingsToWire({ startedNs }),
      };
    },
  });
}
