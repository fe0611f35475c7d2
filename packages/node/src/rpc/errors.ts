/** A JSON-RPC error with Bitcoin Core's code (SPEC §9), the reason as message, details in data. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
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
} as const;
