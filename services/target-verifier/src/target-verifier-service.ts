import { defineService, invalidArgument } from "@distillspec/grpc";
import {
  distributionToWire,
  samplingFromWire,
  TargetVerifierService,
  timingsToWire,
} from "@distillspec/proto";
import type { TargetVerifier } from "@distillspec/serving";

// gRPC handlers of the target-verifier: wire messages in, TargetVerifier calls, wire messages out.
// Errors are thrown as they are; the grpc kit maps them to status codes in one place.

function requireSession(id: string): string {
  if (!id) throw invalidArgument("session_id is required");
  return id;
}

export function targetVerifierService(verifier: TargetVerifier) {
  const limits = () => ({
    maxGamma: verifier.options.maxGamma,
    maxSessions: verifier.options.maxSessions,
    sessionMemoryBudgetBytes: BigInt(verifier.options.memoryBudgetBytes),
    sessionIdleTtlMs: BigInt(verifier.options.idleTtlMs),
    maxBatch: verifier.options.maxBatch,
  });
  return defineService(TargetVerifierService, {
    info: () => {
      const info = verifier.info();
      return {
        model: { ...info, parameterCount: BigInt(info.parameterCount), modelVersion: 1n },
        limits: limits(),
        activeSessions: info.activeSessions,
      };
    },

    createSession: async (request, context) => {
      const startedNs = process.hrtime.bigint();
      const result = await verifier.createSession(request.tokens, request.sessionId, context.signal);
      return {
        sessionId: result.sessionId,
        length: result.length,
        timings: timingsToWire({ ...result, startedNs }),
      };
    },

    score: async (request) => {
      const startedNs = process.hrtime.bigint();
      const result = await verifier.score(
        requireSession(request.sessionId),
        request.tokens,
        samplingFromWire(request.sampling),
        request.truncateTo,
      );
      return {
        distributions: result.distributions.map(distributionToWire),
        length: result.length,
        batchSize: result.batchSize,
        timings: timingsToWire({ ...result, startedNs }),
      };
    },

    truncate: async (request) => ({
      length: await verifier.truncate(requireSession(request.sessionId), request.length),
    }),

    release: (request) => {
      verifier.release(requireSession(request.sessionId));
      return {};
    },

    generate: async function* (request, context) {
      const sampling = samplingFromWire(request.sampling);
      const steps = verifier.generate(
        request.promptTokens,
        request.maxNewTokens,
        sampling,
        request.stopTokenIds,
        context.signal,
      );
      for await (const step of steps) {
        yield { tokenIds: [step.tokenId], timings: timingsToWire(step) };
      }
    },

    teacherScore: async (request) => {
      const startedNs = process.hrtime.bigint();
      const probs = await verifier.teacherScore(
        request.sequences.map((s) => s.tokens),
        request.temperature,
      );
      return {
        probs: probs.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength)),
        timings: timingsToWire({ startedNs }),
      };
    },
  });
}
