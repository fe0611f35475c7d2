import type { RpcErrorBody } from "@utxolab/core";
import type { PeersSource } from "../parts.js";
import type { PeerLayer } from "../peers.js";

/**
 * A JSON-RPC error with Bitcoin Core's code (SPEC §9), the reason as message, details in data:
 * what a method throws to refuse a call. It travels as core's `RpcErrorBody`, which the
 * client reads back into its own `RpcError` (kind "refused").
 */
export class RpcError extends Error implements RpcErrorBody {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  /** The error object of the JSON-RPC answer. */
  toJSON(): RpcErrorBody {
    return { code: this.code, message: this.message, ...(this.data !== undefined ? { data: this.data } : {}) };
  }
}

export const RPC = {
  PARSE: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL: -32603,
  INVALID_PARAMETER: -8,
  DESERIALIZATION: -22,
  NOT_FOUND: -5,
  VERIFY_ERROR: -25,
  VERIFY_REJECTED: -26,
  ALREADY_IN_CHAIN: -27,
  INSUFFICIENT_FUNDS: -6,
  /** Core's RPC_CLIENT_P2P_DISABLED: the peer layer is not there */
  P2P_DISABLED: -9,
} as const;

/** The peer layer, or a refusal saying it is not up yet: the RPC port answers while the node still starts. */
export function peersOf(node: PeersSource): PeerLayer {
  if (!node.peers)
    throw new RpcError(RPC.P2P_DISABLED, "the node's peer layer is not running yet (the node is still starting); try again in a moment");
  return node.peers;
}
