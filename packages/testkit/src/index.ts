/**
 * The shared test kit: every package's tests build their devnet coins, payments, blocks and
 * chains, wait for events and start node processes with these helpers, so a test reads the
 * same in every package. Test-only: no src code imports it.
 */
export * from "./blocks.js";
export * from "./cleanup.js";
export * from "./coins.js";
export * from "./devnet.js";
export * from "./node-process.js";
export * from "./rpc.js";
export * from "./until.js";
