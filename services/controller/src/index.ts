export * from "./acceptance-rules.js";
export * from "./backends.js";
export * from "./connect-replicas.js";
export * from "./controller-service.js";
export * from "./remote-backends.js";
export * from "./replica-pool.js";
export * from "./speculative-loop.js";
export * from "./text-streamer.js";
