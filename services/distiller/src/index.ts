export * from "./distiller-service.js";
export * from "./remote-deps.js";
export * from "./run-manager.js";
