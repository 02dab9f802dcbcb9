// Small timing helpers for benchmarks: medians resist the outliers a shared machine produces.

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds one call of `fn` takes. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export interface InterleaveOptions {
  reps: number;
  warmupReps: number;
}

/**
 * Times several tasks round-robin, `reps` samples each, after `warmupReps` untimed rounds. The starting
 * task rotates every round, so no task always runs right after the same neighbour, and load spikes
 * from other processes land on all tasks alike.
 */
export async function interleave<K extends string>(
  tasks: Record<K, () => Promise<unknown>>,
  options: InterleaveOptions,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(tasks) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < options.warmupReps + options.reps; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(round + i) % keys.length];
      const ms = await timeMs(tasks[key]);
      if (round >= options.warmupReps) samples[key].push(ms);
    }
  }
  return samples;
}

/** Times `fn` `reps` times after `warmupReps` untimed calls. */
export async function repeat(fn: () => Promise<unknown>, options: InterleaveOptions): Promise<number[]> {
  return (await interleave({ only: fn }, options)).only;
}
