import type { ModelConfig } from "./config.js";
import { headSize } from "./config.js";

/** Rotary tables [contextLength, headSize/2]: angle(t, i) = t · θ^(−2i/dh) (GPT-NeoX rotate-half pairing). */
export function rotaryTables(config: ModelConfig): { cos: Float32Array; sin: Float32Array } {
  const half = headSize(config) / 2;
  const cos = new Float32Array(config.contextLength * half);
  const sin = new Float32Array(config.contextLength * half);
  for (let t = 0; t < config.contextLength; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * config.ropeTheta ** ((-2 * i) / (2 * half));
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
