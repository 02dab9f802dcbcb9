import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type CreateSessionRequest,
  encodeProbs,
  type ScoreRequest,
  type ScoreSessionRequest,
  type ScoreSessionResponseSchema,
  TargetVerifierService,
} from "@distillspec/proto";
import {
  createClient,
  createServer,
  defineService,
  type GrpcServer,
  invalidArgument,
  type ServerConfig,
  type ServiceClient,
  type ServiceImplementation,
  type ServiceMethods,
  serveSessionStream,
} from "../src/index.js";

export type TargetMethods = ServiceMethods<typeof TargetVerifierService>;

/** Resolves when `signal` aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}

/** Promise.withResolvers, which Node 20 lacks. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sessions released by fake session streams, in order (tests clear it). */
export const fakeReleases: string[] = [];

function fakeScore(tokens: readonly number[]) {
  return {
    distributions: tokens.map((token) => ({
      probs: encodeProbs(new Float32Array([token, 0.5, 0.25, 0.125])),
    })),
    length: tokens.length,
    batchSize: 1,
  };
}

/** A tiny target verifier: Info describes a fake model, Generate counts up, Score echoes distributions. */
export function fakeTargetVerifier(
  overrides: Partial<ServiceImplementation<TargetMethods>> = {},
): ServiceImplementation<TargetMethods> {
  return {
    info: () => ({
      model: { name: "fake-target", vocabSize: 4, parameterCount: 123n, tokenizerIdentity: "abc" },
      limits: { maxGamma: 8, maxSessions: 2 },
      activeSessions: 1,
    }),
    createSession: (request) => ({ sessionId: "s1", length: request.tokens.length }),
    score: (request) => fakeScore(request.tokens),
    truncate: (request) => ({ length: request.length }),
    release: () => ({}),
    generate: async function* (request, context) {
      for (let i = 0; i < request.maxNewTokens; i++) {
        if (context.signal.aborted) return;
        yield { tokenIds: [request.promptTokens.length + i] };
      }
    },
    teacherScore: () => ({ probs: [] }),
    // Session streams: opens echo the caller's id, steps score like `score`; releases are recorded.
    scoreSession: (requests) =>
      serveSessionStream<ScoreSessionRequest, MessageInitShape<typeof ScoreSessionResponseSchema>>(requests, {
        kind: (r) => (r.step.case === "open" ? "open" : r.step.case === "score" ? "step" : undefined),
        namedSession: (r) => (r.step.case === "score" ? r.step.value.sessionId : ""),
        open: async (r) => {
          const open = r.step.value as CreateSessionRequest;
          if (open.tokens.length === 0) throw invalidArgument("prompt must not be empty");
          const sessionId = open.sessionId || "s1";
          return {
            sessionId,
            response: { step: { case: "opened", value: { sessionId, length: open.tokens.length } } },
          };
        },
        step: async (r) => {
          const score = r.step.value as ScoreRequest;
          if (score.tokens.includes(-1)) throw invalidArgument("token -1 is outside the vocabulary");
          return { step: { case: "scored", value: fakeScore(score.tokens) } };
        },
        release: (sessionId) => fakeReleases.push(sessionId),
      }),
    ...overrides,
  };
}

export interface Harness {
  server: GrpcServer;
  address: string;
  client: ServiceClient<TargetMethods>;
  /** Internal errors the server reported. */
  internalErrors: unknown[];
  close(): Promise<void>;
}

/** Starts a real server on 127.0.0.1:0 with the fake target verifier and a client for it. */
export async function startTarget(
  overrides: Partial<ServiceImplementation<TargetMethods>> = {},
  config: Partial<ServerConfig> = {},
  clientOptions: Parameters<typeof createClient>[2] = {},
): Promise<Harness> {
  const internalErrors: unknown[] = [];
  const server = createServer({
    name: "test-target",
    services: [defineService(TargetVerifierService, fakeTargetVerifier(overrides))],
    onInternalError: (error) => internalErrors.push(error),
    shutdownGraceMs: 2_000,
    ...config,
  });
  const port = await server.listen("127.0.0.1:0");
  const address = `127.0.0.1:${port}`;
  const client = createClient(TargetVerifierService, address, clientOptions);
  return {
    server,
    address,
    client,
    internalErrors,
    close: async () => {
      client.$close();
      await server.shutdown(500);
    },
  };
}
