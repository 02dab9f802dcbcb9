export { topKDefinition as default } from "./definition.js";
export { createTopKRule, parseTopKOptions, rankOf, type TopKOptions } from "./top-k-rule.js";
