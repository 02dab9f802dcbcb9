import { createClient, failedPrecondition } from "@distillspec/grpc";
import { DraftProposerService, type ModelInfo, TargetVerifierService } from "@distillspec/proto";
import type { DraftClient, TargetClient } from "@distillspec/serving";
import type { Tokenizer } from "@distillspec/tokenizer";
import { ReplicaPool } from "./replica-pool.js";

// Start-up check: every target and draft replica must answer, serve one model per role, and share the
// controller's tokenizer — otherwise token ids would mean different things on each side. Greedy draft
// replicas (optional) serve a draft distilled for greedy decoding; temperature-0 requests use them.

const MESSAGE_LIMIT = 64 * 1024 * 1024;

export interface Replicas {
  targets: ReplicaPool<TargetClient>;
  drafts: ReplicaPool<DraftClient>;
  target: ModelInfo;
  draft: ModelInfo;
  /** Replicas serving a draft distilled for greedy decoding, and that draft. */
  greedy?: { drafts: ReplicaPool<DraftClient>; draft: ModelInfo };
  maxGamma: number;
}

export interface ConnectOptions {
  /** Deadline of each replica's Info call (default 10 s). */
  timeoutMs?: number;
  greedyDraftAddresses?: readonly string[];
}

export async function connectReplicas(
  targetAddresses: readonly string[],
  draftAddresses: readonly string[],
  tokenizer: Tokenizer,
  { timeoutMs = 10_000, greedyDraftAddresses = [] }: ConnectOptions = {},
): Promise<Replicas> {
  const options = { maxReceiveMessageBytes: MESSAGE_LIMIT, maxSendMessageBytes: MESSAGE_LIMIT };
  const targets = new ReplicaPool(targetAddresses, (a) => createClient(TargetVerifierService, a, options));
  const connectDraft = (a: string) => createClient(DraftProposerService, a, options);
  const drafts = new ReplicaPool(draftAddresses, connectDraft);
  const greedyDrafts =
    greedyDraftAddresses.length > 0 ? new ReplicaPool(greedyDraftAddresses, connectDraft) : undefined;
  const infos = await Promise.all([
    ...targets.clients.map((c) => c.info({}, { timeoutMs })),
    ...drafts.clients.map((c) => c.info({}, { timeoutMs })),
    ...(greedyDrafts?.clients ?? []).map((c) => c.info({}, { timeoutMs })),
  ]);
  const addresses = [...targetAddresses, ...draftAddresses, ...greedyDraftAddresses];
  infos.forEach((info, i) => {
    const id = info.model?.tokenizerIdentity ?? "";
    if (id !== tokenizer.identity) {
      throw failedPrecondition(
        `tokenizer mismatch: ${addresses[i]} serves a model with tokenizer ${id.slice(0, 12)}…, ` +
          `the controller uses ${tokenizer.identity.slice(0, 12)}…`,
      );
    }
  });
  const targetInfos = infos.slice(0, targetAddresses.length);
  const draftInfos = infos.slice(targetAddresses.length, targetAddresses.length + draftAddresses.length);
  const greedyInfos = infos.slice(targetAddresses.length + draftAddresses.length);
  return {
    targets,
    drafts,
    target: targetInfos[0].model!,
    draft: draftInfos[0].model!,
    greedy: greedyDrafts && { drafts: greedyDrafts, draft: greedyInfos[0].model! },
    maxGamma: Math.min(...infos.map((i) => i.limits?.maxGamma ?? 16)),
  };
}
