import { defineDataGenerator, PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { createFixedGenerator } from "./fixed-generator.js";

/** Plugin "fixed": ground-truth continuations from the task's dataset; no options. */
export const fixedDefinition = defineDataGenerator({
  meta: { name: "@distillspec/data-generator-fixed", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "fixed",
  create: createFixedGenerator,
});
