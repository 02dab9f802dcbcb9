export * from "./target-verifier-service.js";
