// Model configuration for the decoder-only transformer (llama-style block: RMSNorm, rotary positions,
// SwiGLU feed-forward, no biases, embedding tied to the output head).

export interface ModelConfig {
  /** Human-readable name, e.g. "target" or "draft". */
  name: string;
  /** Tokenizer vocabulary size, special tokens included. */
  vocabSize: number;
  /** Longest sequence (prompt + generated tokens) the model attends over. */
  contextLength: number;
  /** Number of transformer blocks. */
  layers: number;
  /** Attention heads; must divide `width`, and width / heads must be even (rotary pairs). */
  heads: number;
  /** Residual stream width (d_model). */
  width: number;
  /** Hidden size of the SwiGLU feed-forward (≈ 8/3 · width in llama). */
  ffnHidden: number;
  /** Rotary base θ; 10000 as in llama. */
  ropeTheta: number;
  /** RMSNorm epsilon. */
  normEps: number;
}

/**
 * The target `pretrain --role target` trains from scratch: ≈ 9.6M parameters with a 2048-token vocabulary.
 * The bundled target is this model grown to 15 layers (`distillspec grow`) and trained further (models/README.md).
 */
export const DEFAULT_TARGET_CONFIG: ModelConfig = {
  name: "target",
  vocabSize: 2048,
  contextLength: 512,
  layers: 5,
  heads: 6,
  width: 384,
  ffnHidden: 1024,
  ropeTheta: 10000,
  normEps: 1e-5,
};

/** The default draft: ≈ 0.66M parameters, ~14× smaller than the base target (41× the bundled one). */
export const DEFAULT_DRAFT_CONFIG: ModelConfig = {
  name: "draft",
  vocabSize: 2048,
  contextLength: 512,
  layers: 2,
  heads: 4,
  width: 128,
  ffnHidden: 352,
  ropeTheta: 10000,
  normEps: 1e-5,
};

export class InvalidConfigError extends Error {
  override name = "InvalidConfigError";
}

/** Throws InvalidConfigError naming the first problem found. */
export function validateConfig(config: ModelConfig): void {
  const positiveInts: (keyof ModelConfig)[] = [
    "vocabSize",
    "contextLength",
    "layers",
    "heads",
    "width",
    "ffnHidden",
  ];
  for (const key of positiveInts) {
    const value = config[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new InvalidConfigError(`config.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  if (config.width % config.heads !== 0) {
    throw new InvalidConfigError(`config.heads (${config.heads}) must divide config.width (${config.width})`);
  }
  if ((config.width / config.heads) % 2 !== 0) {
    throw new InvalidConfigError(
      `head size width/heads = ${config.width / config.heads} must be even for rotary positions`,
    );
  }
  if (!(config.ropeTheta > 1))
    throw new InvalidConfigError(`config.ropeTheta must be > 1, got ${config.ropeTheta}`);
  if (!(config.normEps > 0))
    throw new InvalidConfigError(`config.normEps must be > 0, got ${config.normEps}`);
}

export function headSize(config: ModelConfig): number {
  return config.width / config.heads;
}

/** Same architecture and every other config field (a checkpoint's weights fit the other's graph). */
export function sameConfig(a: ModelConfig, b: ModelConfig): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every(
    (k) => (a as unknown as Record<string, unknown>)[k] === (b as unknown as Record<string, unknown>)[k],
  );
}
