export * from "./target-verifier.js";
