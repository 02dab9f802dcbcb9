import { defineAcceptanceRule, PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { createLenienceRule } from "./lenience-rule.js";

/** Plugin "lenience": LOSSY acceptance r < min(1, f(p(x), ε) / q(x)); options { f, epsilon }. */
export const lenienceDefinition = defineAcceptanceRule({
  meta: { name: "@distillspec/acceptance-lenience", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "lenience",
  create: createLenienceRule,
});
