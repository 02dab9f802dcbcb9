// Option parsing for data-generator plugins (shared so every generator validates the same way): RangeErrors name the option and its value.

export interface SamplingOptions {
  /** Longest continuation sampled per prompt; positive integer, default 64. */
  maxNewTokens: number;
  /** Sampling temperature; 0 = greedy, otherwise finite > 0; default 1. */
  temperature: number;
}

export const DEFAULT_SAMPLING_OPTIONS: SamplingOptions = { maxNewTokens: 64, temperature: 1 };

export function describeOptionValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value); // JSON would print NaN as null
  return value === undefined ? "undefined" : JSON.stringify(value);
}

/** `undefined` stands for {}; anything but a plain object, or an unknown key, is refused. */
export function optionRecord(
  id: string,
  options: unknown,
  allowed: readonly string[],
): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new RangeError(
      `${id}: options must be an object { ${allowed.join(", ")} }, got ${describeOptionValue(options)}`,
    );
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      throw new RangeError(`${id}: unknown option "${key}" (allowed: ${allowed.join(", ") || "none"})`);
    }
  }
  return record;
}

export function parseSamplingOptions(id: string, record: Record<string, unknown>): SamplingOptions {
  const {
    maxNewTokens = DEFAULT_SAMPLING_OPTIONS.maxNewTokens,
    temperature = DEFAULT_SAMPLING_OPTIONS.temperature,
  } = record;
  if (typeof maxNewTokens !== "number" || !Number.isSafeInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new RangeError(
      `${id}: option "maxNewTokens" must be a positive integer, got ${describeOptionValue(maxNewTokens)}`,
    );
  }
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature < 0) {
    throw new RangeError(
      `${id}: option "temperature" must be a finite number >= 0, got ${describeOptionValue(temperature)}`,
    );
  }
  return { maxNewTokens, temperature };
}
