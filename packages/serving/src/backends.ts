import type { SamplingParams } from "@distillspec/core";

// What the speculative loop needs from the model services. The gRPC clients implement these, and so do
// the in-process TargetVerifier and DraftProposer (which tests use directly).

export interface SeededSampling extends SamplingParams {
  seed?: bigint | number;
}

export interface TargetBackend {
  createSession(tokens: readonly number[], sessionId: string): Promise<{ sessionId: string; length: number }>;
  score(
    sessionId: string,
    tokens: readonly number[],
    sampling: SamplingParams,
    truncateTo?: number,
  ): Promise<{ distributions: Float32Array[]; length: number }>;
  release(sessionId: string): Promise<void> | void;
  generate(
    prompt: readonly number[],
    maxNewTokens: number,
    sampling: SeededSampling,
    stopTokenIds?: readonly number[],
    signal?: AbortSignal,
  ): AsyncIterable<{ tokenId: number }>;
}

export interface DraftBackend {
  createSession(tokens: readonly number[], sessionId: string): Promise<{ sessionId: string; length: number }>;
  propose(
    sessionId: string,
    tokens: readonly number[],
    gamma: number,
    sampling: SeededSampling,
    truncateTo?: number,
  ): Promise<{ tokenIds: number[]; distributions: Float32Array[]; length: number }>;
  release(sessionId: string): Promise<void> | void;
}
