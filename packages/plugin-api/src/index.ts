export * from "./plugin-definition.js";
export * from "./tensor-ops.js";
