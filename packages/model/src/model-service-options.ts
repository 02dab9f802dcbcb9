import { parseArgs } from "node:util";

// Limits and threading shared by the two model services (target-verifier, draft-proposer), and the
// command-line flags that set them.

export interface ModelServiceOptions {
  maxSessions: number;
  memoryBudgetBytes: number;
  idleTtlMs: number;
  /** Most sequences in one onnxruntime run. */
  maxBatch: number;
  maxGamma: number;
  /** onnxruntime intra-op threads; 1 when two model services share 2 cores. */
  threads: number;
}

export const DEFAULT_MODEL_SERVICE_OPTIONS: ModelServiceOptions = {
  maxSessions: 256,
  memoryBudgetBytes: 512 * 1024 * 1024,
  idleTtlMs: 5 * 60_000,
  maxBatch: 16,
  maxGamma: 16,
  threads: 1,
};

export interface ModelServiceArgs {
  checkpoint: string;
  address: string;
  options: ModelServiceOptions;
}

/** Parses `--checkpoint --address --threads --max-sessions --max-batch --memory-budget-mb --idle-ttl-s`. */
export function parseModelServiceArgs(
  argv: string[],
  defaults: { checkpoint: string; address: string },
): ModelServiceArgs {
  const d = DEFAULT_MODEL_SERVICE_OPTIONS;
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: "string", default: defaults.checkpoint },
      address: { type: "string", default: defaults.address },
      threads: { type: "string", default: String(d.threads) },
      "max-sessions": { type: "string", default: String(d.maxSessions) },
      "max-batch": { type: "string", default: String(d.maxBatch) },
      "memory-budget-mb": { type: "string", default: String(d.memoryBudgetBytes / 1024 / 1024) },
      "idle-ttl-s": { type: "string", default: String(d.idleTtlMs / 1000) },
    },
  });
  const positive = (flag: string, value: string) => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n))
      throw new RangeError(`--${flag} must be a positive number, got "${value}"`);
    return n;
  };
  return {
    checkpoint: values.checkpoint,
    address: values.address,
    options: {
      ...d,
      threads: positive("threads", values.threads),
      maxSessions: positive("max-sessions", values["max-sessions"]),
      maxBatch: positive("max-batch", values["max-batch"]),
      memoryBudgetBytes: positive("memory-budget-mb", values["memory-budget-mb"]) * 1024 * 1024,
      idleTtlMs: positive("idle-ttl-s", values["idle-ttl-s"]) * 1000,
    },
  };
}
