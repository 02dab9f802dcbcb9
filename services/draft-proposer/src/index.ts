export * from "./draft-proposer-service.js";
