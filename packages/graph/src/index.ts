export * from "./autodiff.js";
export * from "./dtype.js";
export * from "./graph-builder.js";
export * from "./optimizer.js";
export * from "./ort-session.js";
export * from "./serialize.js";
export * from "./shape.js";
