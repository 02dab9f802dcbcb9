export { mixtureDefinition as default } from "./definition.js";
export { createMixtureGenerator, type MixtureOptions, parseMixtureOptions } from "./mixture-generator.js";
export { DEFAULT_SAMPLING_OPTIONS, type SamplingOptions } from "./options.js";
export { deriveSeed } from "./seeded-batches.js";
