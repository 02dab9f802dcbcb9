export * from "./connect-replicas.js";
export * from "./controller-service.js";
export * from "./replica-pool.js";
