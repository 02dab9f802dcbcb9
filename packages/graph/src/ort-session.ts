import * as ort from "onnxruntime-node";

// Thin helpers over onnxruntime-node: session creation with explicit threading, and typed tensors.

export interface SessionOptions {
  /** Threads used inside one operator. Two model services on 2 cores should use 1 each. */
  intraOpThreads?: number;
  /** Full graph optimisation (fusions such as RMSNorm) unless disabled for debugging. */
  optimize?: boolean;
}

export type OrtSession = ort.InferenceSession;
export type OrtTensor = ort.Tensor;
export type Feeds = Record<string, ort.Tensor>;

export async function createSession(
  modelBytes: Uint8Array,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelBytes, {
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: options.optimize === false ? "disabled" : "all",
    executionMode: "sequential",
    logSeverityLevel: 3,
  });
}

export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float32", data, dims);
}

export function doubleTensor(data: Float64Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float64", data, dims);
}

export function int64Tensor(data: readonly number[] | BigInt64Array, dims: readonly number[]): ort.Tensor {
  const values = data instanceof BigInt64Array ? data : BigInt64Array.from(data, (v) => BigInt(v));
  return new ort.Tensor("int64", values, dims);
}

export function tensorOf(
  dtype: "float32" | "float64",
  data: Float32Array | Float64Array,
  dims: readonly number[],
) {
  return new ort.Tensor(dtype, data, dims);
}
