export * from "./draft-proposer.js";
