export * from "./bans.js";
export * from "./host.js";
export * from "./messages.js";
export * from "./node.js";
export type { PeerState } from "./peer.js";
