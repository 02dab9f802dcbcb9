export { createRng, createRngFromState, Rng, type RngState } from "./rng.js";
