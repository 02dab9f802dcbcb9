export { mixtureDefinition as default } from "./definition.js";
export { createMixtureGenerator, type MixtureOptions, parseMixtureOptions } from "./mixture-generator.js";
