import type { MessageInitShape } from "@bufbuild/protobuf";
import { encodeProbs } from "./distribution-bytes.js";
import type { SamplingParams, TimingsSchema } from "./gen/distillspec/v1/common_pb.js";

// Conversions between wire messages and the plain values the services compute with.

/** Sampling parameters off the wire; a missing message means greedy with no top-k/top-p. */
export function samplingFromWire(sampling: SamplingParams | undefined) {
  return {
    temperature: sampling?.temperature ?? 0,
    topK: sampling?.topK ?? 0,
    topP: sampling?.topP ?? 0,
    seed: sampling?.seed ?? 0n,
  };
}

/** A dense distribution over the whole vocabulary. */
export function distributionToWire(probs: Float32Array) {
  return { probs: encodeProbs(probs), tokenIds: [] };
}

export interface TimingValues {
  forwardNs?: bigint;
  queueNs?: bigint;
  forwardCalls?: number;
  startedNs?: bigint;
}

export function timingsToWire(t: TimingValues): MessageInitShape<typeof TimingsSchema> {
  return {
    forwardNs: t.forwardNs ?? 0n,
    queueNs: t.queueNs ?? 0n,
    forwardCalls: t.forwardCalls ?? 0,
    totalNs: t.startedNs === undefined ? 0n : process.hrtime.bigint() - t.startedNs,
  };
}
