export * from "./build.js";
export { runWalletCommand, type WalletIo } from "./cli.js";
export * from "./fees.js";
export * from "./hd.js";
export * from "./seal.js";
export * from "./select.js";
export * from "./sync.js";
export * from "./wallet.js";
export * from "./walletfile.js";
