export * from "./client.js";
export * from "./discover.js";
export * from "./errors.js";
export * from "./methods.js";
