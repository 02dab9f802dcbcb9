import { defineAcceptanceRule, PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { createTopKRule } from "./top-k-rule.js";

/** Plugin "top-k": LOSSY acceptance of draft tokens among the target's k most likely; options { k }. */
export const topKDefinition = defineAcceptanceRule({
  meta: { name: "@distillspec/acceptance-top-k", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "top-k",
  create: createTopKRule,
});
