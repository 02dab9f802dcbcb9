export { fixedDefinition as default } from "./definition.js";
export { createFixedGenerator, type FixedOptions, parseFixedOptions } from "./fixed-generator.js";
