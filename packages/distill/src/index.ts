export * from "./builtin-plugins.js";
export * from "./distillation-config.js";
export * from "./distillation-run.js";
export * from "./in-process-data-context.js";
export * from "./in-process-evaluator.js";
export * from "./run-state.js";
export * from "./task-data.js";
export * from "./training-rows.js";
