import { argmax } from "@distillspec/core";
import type { ModelRunner } from "@distillspec/model";

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
    const next = argmax(logits.subarray(last * vocab, (last + 1) * vocab));
    out.push(next);
    if (stop(out) || out.length >= room) break;
    logits = await runner.extend(cache, [next]);
    last = 0;
  }
  return out;
}
