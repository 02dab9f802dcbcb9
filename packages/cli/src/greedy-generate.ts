import type { ModelRunner } from "@distillspec/model";

/** Index of the largest value in row `row` of a [rows, vocab] logits array. */
export function argmaxRow(logits: Float32Array, row: number, vocab: number): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  const base = row * vocab;
  for (let v = 0; v < vocab; v++) {
    if (logits[base + v] > bestValue) {
      bestValue = logits[base + v];
      best = v;
    }
  }
  return best;
}

/** Target-only greedy decoding with a KV cache; stops at `maxNew` tokens or when `stop` says so. */
export async function greedyGenerate(
  runner: ModelRunner,
  prompt: readonly number[],
  maxNew: number,
  stop: (generated: readonly number[]) => boolean = () => false,
): Promise<number[]> {
  const vocab = runner.config.vocabSize;
  const cache = runner.createCache();
  const room = Math.min(maxNew, runner.config.contextLength - prompt.length);
  let logits = await runner.extend(cache, prompt);
  let last = prompt.length - 1;
  const out: number[] = [];
  while (out.length < room) {
    const next = argmaxRow(logits, last, vocab);
    out.push(next);
    if (stop(out) || out.length >= room) break;
    logits = await runner.extend(cache, [next]);
    last = 0;
  }
  return out;
}
