import fc from "fast-check";

// Shared by the divergence plugins' property tests.

/** Random distributions over `vocab` tokens; about a third of the entries are exact zeros. */
export function distribution(vocab: number) {
  return fc
    .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: vocab, maxLength: vocab })
    .map((xs) => xs.map((x) => (x < 0.33 ? 0 : x)))
    .filter((xs) => xs.some((x) => x > 0))
    .map((xs) => {
      const z = xs.reduce((a, b) => a + b, 0);
      return xs.map((x) => x / z);
    });
}

export const maxDiff = (p: number[], q: number[]) => Math.max(...p.map((x, i) => Math.abs(x - q[i])));
