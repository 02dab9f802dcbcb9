export * from "./backends.js";
export * from "./speculative-loop.js";
