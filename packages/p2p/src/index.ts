export * from "./bans.js";
export * from "./clock.js";
export * from "./host.js";
export * from "./messages.js";
export * from "./node.js";
export type { PeerState } from "./peer.js";
export * from "./transport.js";
export { WebSocketTransport } from "./ws-transport.js";
