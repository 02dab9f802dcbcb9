import type { Rng } from "./rng.js";

/**
 * The slice of Rng the sampling code needs. Taking this instead of Rng lets tests script the
 * exact draws (and count them) while production passes a seeded Rng.
 */
export type RandomSource = Pick<Rng, "uniform" | "categorical">;
