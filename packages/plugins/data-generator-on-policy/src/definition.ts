import { defineDataGenerator, PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { createOnPolicyGenerator } from "./on-policy-generator.js";

/** Plugin "on-policy": continuations sampled from the current draft; options { maxNewTokens, temperature }. */
export const onPolicyDefinition = defineDataGenerator({
  meta: { name: "@distillspec/data-generator-on-policy", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "on-policy",
  create: createOnPolicyGenerator,
});
