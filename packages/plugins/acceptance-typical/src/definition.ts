import { defineAcceptanceRule, PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { createTypicalRule } from "./typical-rule.js";

/** Plugin "typical": LOSSY acceptance p(x) > min(ε, δ·exp(−H(p))); options { epsilon?, delta? }. */
export const typicalDefinition = defineAcceptanceRule({
  meta: { name: "@distillspec/acceptance-typical", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "typical",
  create: createTypicalRule,
});
