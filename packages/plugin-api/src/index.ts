export * from "./float64-ops.js";
export * from "./generator-options.js";
export * from "./plugin-definition.js";
export * from "./plugin-host.js";
export * from "./sampled-generator.js";
export * from "./seeded-batches.js";
export * from "./tensor-ops.js";
