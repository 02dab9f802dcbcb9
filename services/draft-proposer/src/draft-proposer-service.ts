import { defineService, invalidArgument } from "@distillspec/grpc";
import {
  DraftProposerService,
  distributionToWire,
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

    createSession: async (request, context) => {
      const startedNs = process.hrtime.bigint();
      const result = await proposer.createSession(request.tokens, request.sessionId, context.signal);
      return {
        sessionId: result.sessionId,
        length: result.length,
        timings: timingsToWire({ forwardNs: result.forwardNs, startedNs }),
      };
    },

    propose: async (request) => {
      const startedNs = process.hrtime.bigint();
      const result = await proposer.propose(
        requireSession(request.sessionId),
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
    },

    truncate: async (request) => ({
      length: await proposer.truncate(requireSession(request.sessionId), request.length),
    }),

    release: (request) => {
      proposer.release(requireSession(request.sessionId));
      return {};
    },

    reload: async (request) => {
      if (!request.checkpointPath) throw invalidArgument("checkpoint_path is required");
      await proposer.reload(request.checkpointPath);
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
