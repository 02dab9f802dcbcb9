import { defineDataGenerator, PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { createMixtureGenerator } from "./mixture-generator.js";

/** Plugin "mixture": on-policy batches with probability λ, otherwise fixed or teacher batches. */
export const mixtureDefinition = defineDataGenerator({
  meta: { name: "@distillspec/data-generator-mixture", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "mixture",
  create: createMixtureGenerator,
});
