export { typicalDefinition as default } from "./definition.js";
export {
  createTypicalRule,
  entropy,
  parseTypicalOptions,
  TYPICAL_DEFAULTS,
  type TypicalOptions,
} from "./typical-rule.js";
