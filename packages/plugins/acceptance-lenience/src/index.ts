export { lenienceDefinition as default } from "./definition.js";
export {
  createLenienceRule,
  type LenienceFunction,
  type LenienceOptions,
  parseLenienceOptions,
} from "./lenience-rule.js";
