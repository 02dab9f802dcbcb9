export * from "./acceptance-rules.js";
export * from "./backends.js";
export * from "./draft-proposer.js";
export * from "./remote-backends.js";
export * from "./speculative-loop.js";
export * from "./target-verifier.js";
export * from "./text-streamer.js";
