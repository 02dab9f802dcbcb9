// Decoding knobs shared by target and draft. Both sides must be processed with the same
// kind of transform before verification: losslessness holds for the processed distributions.

/** Sampling parameters as they arrive from a request. */
export interface SamplingParams {
  /** 0 = greedy (one-hot at the argmax); otherwise a finite positive softmax temperature. */
  readonly temperature: number;
  /** Keep only the k most likely tokens; 0 or undefined = disabled. Must be a non-negative integer. */
  readonly topK?: number;
  /** Nucleus mass in (0, 1]; 0 or undefined = unset, treated as 1 (disabled), like a protobuf default. */
  readonly topP?: number;
}

/** Validated parameters with defaults filled in: topK 0 means off, topP 1 means off. */
export interface ResolvedSamplingParams {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
}

/**
 * Why `params` is invalid, or null if it is valid. Services map a non-null result to
 * INVALID_ARGUMENT without having to catch anything.
 */
export function samplingParamsError(params: SamplingParams): string | null {
  if (params === null || typeof params !== "object") return "sampling params must be an object";
  const { temperature, topK, topP } = params;
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature < 0) {
    return `temperature must be a finite number >= 0, got ${String(temperature)}`;
  }
  if (topK !== undefined && (typeof topK !== "number" || !Number.isInteger(topK) || topK < 0)) {
    return `topK must be a non-negative integer (0 = disabled), got ${String(topK)}`;
  }
  if (topP !== undefined && (typeof topP !== "number" || !(topP >= 0 && topP <= 1))) {
    return `topP must lie in (0, 1] (0 = unset), got ${String(topP)}`;
  }
  return null;
}

/** Throws a RangeError carrying samplingParamsError's message; otherwise returns resolved params. */
export function validateSamplingParams(params: SamplingParams): ResolvedSamplingParams {
  const error = samplingParamsError(params);
  if (error !== null) throw new RangeError(error);
  const topP = params.topP === undefined || params.topP === 0 ? 1 : params.topP;
  return { temperature: params.temperature, topK: params.topK ?? 0, topP };
}
