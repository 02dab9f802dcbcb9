import type { MessageInitShape } from "@bufbuild/protobuf";
import { decodeProbs, encodeProbs } from "./distribution-bytes.js";
import type { Distribution, SamplingParams, TimingsSchema } from "./gen/distillspec/v1/common_pb.js";

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

/**
 * A distribution on the wire: sparse (token ids + their probabilities) when few tokens have mass — greedy
 * one-hots, top-k, top-p — which shrinks a message from 4·vocab bytes to a few; dense otherwise.
 */
export function distributionToWire(probs: Float32Array): { probs: Uint8Array; tokenIds: number[] } {
  const tokenIds: number[] = [];
  const limit = probs.length >> 3;
  for (let i = 0; i < probs.length && tokenIds.length <= limit; i++) if (probs[i] !== 0) tokenIds.push(i);
  if (tokenIds.length > limit) return { probs: encodeProbs(probs), tokenIds: [] };
  return { probs: encodeProbs(Float32Array.from(tokenIds, (id) => probs[id])), tokenIds };
}

/** The dense [vocabSize] distribution of a wire message, sparse or dense. */
export function distributionFromWire(distribution: Distribution, vocabSize: number): Float32Array {
  const values = decodeProbs(distribution.probs);
  if (distribution.tokenIds.length === 0) {
    if (values.length !== vocabSize) {
      throw new RangeError(`dense distribution has ${values.length} values, the vocabulary ${vocabSize}`);
    }
    return values;
  }
  if (values.length !== distribution.tokenIds.length) {
    throw new RangeError(
      `sparse distribution has ${values.length} values for ${distribution.tokenIds.length} token ids`,
    );
  }
  const dense = new Float32Array(vocabSize);
  distribution.tokenIds.forEach((id, i) => {
    if (id < 0 || id >= vocabSize) throw new RangeError(`distribution token id ${id} outside the vocabulary`);
    dense[id] = values[i];
  });
  return dense;
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
