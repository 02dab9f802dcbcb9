export { onPolicyDefinition as default } from "./definition.js";
export {
  createOnPolicyGenerator,
  type OnPolicyOptions,
  parseOnPolicyOptions,
} from "./on-policy-generator.js";
