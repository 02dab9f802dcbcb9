import { distillationTemperature } from "./distillation-config.js";

// The divergence and data-generator plugins that ship with distillspec, and the generator options a run
// uses when it is given none.

export const DIVERGENCE_IDS = ["fkl", "rkl", "jsd", "tvd"] as const;
export const DATA_GENERATOR_IDS = ["fixed", "on-policy", "teacher", "mixture"] as const;

/**
 * Sampled continuations as long as the evaluation's, at the run's distillation temperature (greedy runs
 * sample at GREEDY_DISTILLATION_TEMPERATURE); the mixture is GKD's λ = 0.5 over fixed data.
 */
export function defaultGeneratorOptions(
  id: string,
  sampling: { maxNewTokens: number; temperature: number },
): Record<string, unknown> {
  if (id === "fixed") return {};
  const sampled = {
    maxNewTokens: sampling.maxNewTokens,
    temperature: distillationTemperature(sampling.temperature),
  };
  return id === "mixture" ? { lambda: 0.5, other: "fixed", ...sampled } : sampled;
}
