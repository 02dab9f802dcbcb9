import type { DistillationDeps, TaskData, TeacherScorer } from "@distillspec/distill";
import { createInProcessEvaluator } from "@distillspec/distill";
import {
  type CallOptions,
  createClient,
  failedPrecondition,
  isGrpcStatusError,
  ServiceError,
  Status,
  unavailable,
} from "@distillspec/grpc";
import { type Checkpoint, promptSeed, type Weights } from "@distillspec/model";
import type { DataGenerator, DataGeneratorContext, Divergence } from "@distillspec/plugin-api";
import { DraftProposerService, decodeProbs, type ModelInfo, TargetVerifierService } from "@distillspec/proto";
import { type DraftClient, DraftProposer, remoteTarget, type TargetClient } from "@distillspec/serving";

// DistillationDeps over gRPC: the target-verifiers teach (TeacherScore) and sample teacher data (Generate);
// the student is the distiller's own in-process draft, so on-policy data and evaluation use the current
// weights without a round trip through a draft-proposer.

const MESSAGE_LIMIT = 64 * 1024 * 1024;
/** Bytes of teacher probabilities one TeacherScore response may carry (well under the message limit). */
const TEACHER_CHUNK_BYTES = 32 * 1024 * 1024;

export interface ModelConnection {
  targets: TargetClient[];
  drafts: DraftClient[];
  draftAddresses: string[];
  target: ModelInfo;
  close(): void;
}

/**
 * Connects to every target and draft replica and checks they can work with `draft`: one tokenizer and
 * vocabulary everywhere (FAILED_PRECONDITION "tokenizer mismatch"), all reachable (UNAVAILABLE).
 */
export async function connectModels(
  targetAddresses: readonly string[],
  draftAddresses: readonly string[],
  draft: Pick<Checkpoint, "config" | "tokenizerIdentity">,
  timeoutMs = 10_000,
): Promise<ModelConnection> {
  const options = { maxReceiveMessageBytes: MESSAGE_LIMIT, maxSendMessageBytes: MESSAGE_LIMIT };
  const targets = targetAddresses.map((a) => createClient(TargetVerifierService, a, options));
  const drafts = draftAddresses.map((a) => createClient(DraftProposerService, a, options));
  const close = () => {
    for (const c of [...targets, ...drafts]) c.$close();
  };
  try {
    const ask = (client: TargetClient | DraftClient, address: string) =>
      client.info({}, { timeoutMs }).catch((error: unknown) => {
        throw reachError(address, error);
      });
    const infos = await Promise.all([
      ...targets.map((c, i) => ask(c, targetAddresses[i])),
      ...drafts.map((c, i) => ask(c, draftAddresses[i])),
    ]);
    const addresses = [...targetAddresses, ...draftAddresses];
    const wanted = draft.tokenizerIdentity.toLowerCase();
    infos.forEach((info, i) => {
      const model = info.model;
      const id = (model?.tokenizerIdentity ?? "").toLowerCase();
      if (id !== wanted || model?.vocabSize !== draft.config.vocabSize) {
        throw failedPrecondition(
          `tokenizer mismatch: ${addresses[i]} serves a model with tokenizer ${id.slice(0, 12)}… ` +
            `(vocab ${model?.vocabSize}), the distiller's draft uses ${wanted.slice(0, 12)}… ` +
            `(vocab ${draft.config.vocabSize})`,
        );
      }
    });
    return { targets, drafts, draftAddresses: [...draftAddresses], target: infos[0].model!, close };
  } catch (error) {
    close();
    throw error;
  }
}

/** An address that does not answer is UNAVAILABLE whatever the transport said (refused, timed out). */
function reachError(address: string, error: unknown): unknown {
  if (!isGrpcStatusError(error)) return error;
  if (error.code === Status.UNAVAILABLE || error.code === Status.DEADLINE_EXCEEDED) {
    return unavailable(
      `cannot reach ${address}: ${error instanceof ServiceError ? error.details : error.message}`,
    );
  }
  return error;
}

/** Round-robin over replicas: each call goes to the next one. */
function roundRobin<T>(items: readonly T[]): () => T {
  let next = 0;
  return () => items[next++ % items.length];
}

/** TeacherScore over gRPC, split into calls whose responses stay under the message limit. */
export function remoteTeacher(
  targets: readonly TargetClient[],
  callOptions: () => CallOptions,
  vocabSize: number,
): TeacherScorer {
  const pick = roundRobin(targets);
  return {
    async teacherScore(sequences, temperature) {
      const longest = Math.max(1, ...sequences.map((s) => s.length));
      const perCall = Math.max(1, Math.floor(TEACHER_CHUNK_BYTES / (longest * vocabSize * 4)));
      const chunks: (readonly (readonly number[])[])[] = [];
      for (let i = 0; i < sequences.length; i += perCall) chunks.push(sequences.slice(i, i + perCall));
      const answers = await Promise.all(
        chunks.map((chunk) =>
          pick().teacherScore(
            { sequences: chunk.map((tokens) => ({ tokens: [...tokens] })), temperature },
            callOptions(),
          ),
        ),
      );
      const probs = answers.flatMap((a) => a.probs.map(decodeProbs));
      probs.forEach((p, i) => {
        if (p.length !== sequences[i].length * vocabSize) {
          throw new Error(
            `TeacherScore returned ${p.length} probabilities for sequence ${i}, expected ${sequences[i].length} × ${vocabSize}`,
          );
        }
      });
      return probs;
    },
  };
}

export interface RemoteDepsOptions {
  connection: ModelConnection;
  draftCheckpoint: Checkpoint;
  dataGenerator: DataGenerator;
  divergence: Divergence;
  taskData: TaskData;
  /** Continuations end after one of these (the end-of-text token). */
  stopTokenIds: readonly number[];
  /** Per downstream call: deadline and the signal that aborts calls when the service shuts down. */
  callOptions: () => CallOptions;
  threads?: number;
}

export function createRemoteDeps(options: RemoteDepsOptions): DistillationDeps {
  const { connection, draftCheckpoint, taskData, callOptions } = options;
  const vocab = draftCheckpoint.config.vocabSize;
  const stops = [...options.stopTokenIds];
  // Evaluation decodes against one replica: α then never mixes replicas' batching.
  const target = remoteTarget(connection.targets[0], callOptions, connection.target.vocabSize);
  const pickTarget = roundRobin(connection.targets);

  // One Generate stream per prompt, all at once; prompt i is seeded as the draft-proposer seeds it.
  const sampleTarget: DataGeneratorContext["sampleTarget"] = (prompts, maxNewTokens, temperature, seed) =>
    Promise.all(
      prompts.map(async (prompt, i) => {
        const backend = remoteTarget(pickTarget(), callOptions, connection.target.vocabSize);
        const out: number[] = [];
        const room = Math.min(maxNewTokens, connection.target.contextLength - prompt.length);
        if (room < 1) throw new RangeError(`prompt ${i} has ${prompt.length} tokens, no room to generate`);
        for await (const { tokenId } of backend.generate(
          prompt,
          room,
          { temperature, seed: promptSeed(seed, i) },
          stops,
        )) {
          out.push(tokenId);
        }
        return out;
      }),
    );

  // On-policy data: a proposer over the student's current weights, built for this batch and freed after.
  const sampleDraftWith =
    (weights: Weights): DataGeneratorContext["sampleDraft"] =>
    async (prompts, maxNewTokens, temperature, seed) => {
      const proposer = await DraftProposer.create(
        { ...draftCheckpoint, weights },
        { threads: options.threads ?? 1, maxBatch: Math.max(1, prompts.length) },
      );
      try {
        return await proposer.sample(prompts, maxNewTokens, { temperature, seed }, stops);
      } finally {
        await proposer.close();
      }
    };

  return {
    teacher: remoteTeacher(connection.targets, callOptions, vocab),
    dataGenerator: options.dataGenerator,
    divergence: options.divergence,
    draftCheckpoint,
    threads: options.threads,
    dataContext: (weights) => ({
      sampleTarget,
      sampleDraft: sampleDraftWith(weights),
      datasetExamples: async (count, seed) => taskData.examples(count, seed),
      prompts: async (count, seed) => taskData.prompts(count, seed),
    }),
    evaluate: createInProcessEvaluator({
      target,
      draft: { config: draftCheckpoint.config, tokenizerIdentity: draftCheckpoint.tokenizerIdentity },
      targetContextLength: connection.target.contextLength,
      stopTokenIds: stops,
      threads: options.threads,
    }),
  };
}
