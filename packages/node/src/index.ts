export * from "./chainindex.js";
export * from "./events.js";
export * from "./logger.js";
export * from "./miner.js";
export * from "./node.js";
export * from "./peers.js";
export * from "./rpc/errors.js";
export * from "./rpc/server.js";
