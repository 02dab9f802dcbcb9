import type { MessageInitShape } from "@bufbuild/protobuf";
import { defineService, invalidArgument, serveSessionStream } from "@distillspec/grpc";
import {
  type CreateSessionRequest,
  distributionToWire,
  type ScoreRequest,
  type ScoreSessionRequest,
  type ScoreSessionResponseSchema,
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
  const createSession = async (request: CreateSessionRequest, signal: AbortSignal) => {
    const startedNs = process.hrtime.bigint();
    const result = await verifier.createSession(request.tokens, request.sessionId, signal);
    return {
      sessionId: result.sessionId,
      length: result.length,
      timings: timingsToWire({ ...result, startedNs }),
    };
  };
  const score = async (request: ScoreRequest, sessionId: string) => {
    const startedNs = process.hrtime.bigint();
    const result = await verifier.score(
      sessionId,
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
  };

  return defineService(TargetVerifierService, {
    info: () => {
      const info = verifier.info();
      return {
        model: { ...info, parameterCount: BigInt(info.parameterCount), modelVersion: 1n },
        limits: limits(),
        activeSessions: info.activeSessions,
      };
    },

    createSession: (request, context) => createSession(request, context.signal),

    score: (request) => score(request, requireSession(request.sessionId)),

    scoreSession: (requests, context) =>
      serveSessionStream<ScoreSessionRequest, MessageInitShape<typeof ScoreSessionResponseSchema>>(requests, {
        kind: (request) =>
          request.step.case === "open" ? "open" : request.step.case === "score" ? "step" : undefined,
        open: async (request) => {
          const response = await createSession(request.step.value as CreateSessionRequest, context.signal);
          return { sessionId: response.sessionId, response: { step: { case: "opened", value: response } } };
        },
        namedSession: (request) => (request.step.case === "score" ? request.step.value.sessionId : ""),
        step: async (request, sessionId) => ({
          step: { case: "scored", value: await score(request.step.value as ScoreRequest, sessionId) },
        }),
        release: (sessionId) => verifier.release(sessionId),
      }),

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
