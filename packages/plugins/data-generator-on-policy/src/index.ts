export { onPolicyDefinition as default } from "./definition.js";
export {
  createOnPolicyGenerator,
  type OnPolicyOptions,
  parseOnPolicyOptions,
} from "./on-policy-generator.js";
export { DEFAULT_SAMPLING_OPTIONS, type SamplingOptions } from "./options.js";
export { deriveSeed } from "./seeded-batches.js";
