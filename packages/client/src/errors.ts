import type { RpcErrorBody } from "@utxolab/core";

/**
 * What went wrong with a call, in one class:
 * - `refused`: the node answered with a JSON-RPC error (`code` is Core's, `message` the reason, `data` the detail);
 * - `unreachable` / `timeout`: no answer (node down, wrong URL, overloaded);
 * - `unauthorized`: HTTP 401, the token is wrong;
 * - `protocol`: something answered, but not as a UTXOLab node.
 */
export type RpcErrorKind = "refused" | "unreachable" | "timeout" | "unauthorized" | "protocol";

/**
 * A failed call as the caller sees it. The node's own `RpcError` (@utxolab/node) is what its methods
 * throw; it arrives here as core's `RpcErrorBody` and becomes kind "refused". This class is apart
 * because a call can also fail with no such answer at all.
 */
export class RpcError extends Error {
  constructor(
    readonly kind: RpcErrorKind,
    /** the node's JSON-RPC code for `refused`; 0 otherwise */
    readonly code: number,
    message: string,
    readonly data?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RpcError";
  }

  /** The node answered and said no (the only kind a retry with other parameters can fix). */
  get refused(): boolean {
    return this.kind === "refused";
  }

  /** `reason: detail`, the way the node's logs show a refusal. */
  get display(): string {
    if (this.data === undefined || this.data === null || this.data === "") return this.message;
    return `${this.message}: ${typeof this.data === "string" ? this.data : JSON.stringify(this.data)}`;
  }

  /** The node's JSON-RPC error, read back: what it said no with. */
  static refusal(body: RpcErrorBody): RpcError {
    return new RpcError("refused", body.code, body.message, body.data);
  }

  /** One JSON object for --json output: `{error: {kind, code, message, data?}}`. */
  toJSON(): { kind: RpcErrorKind } & RpcErrorBody {
    return { kind: this.kind, code: this.code, message: this.message, ...(this.data !== undefined ? { data: this.data } : {}) };
  }

  static unreachable(url: string, cause?: unknown): RpcError {
    return new RpcError("unreachable", 0, `cannot reach the node at ${url}: is \`utxolab node\` running? pass --rpc URL`, undefined, {
      cause,
    });
  }

  static timeout(url: string, ms: number, cause?: unknown): RpcError {
    return new RpcError(
      "timeout",
      0,
      `the node at ${url} did not answer within ${ms / 1000} s: is it overloaded or stuck? check its log, or pass --rpc URL`,
      undefined,
      { cause },
    );
  }

  static unauthorized(hint?: string): RpcError {
    return new RpcError(
      "unauthorized",
      0,
      `the node refused the token: pass --rpc-token or --datadir of that node${hint ? ` (${hint})` : ""}`,
    );
  }

  static protocol(url: string, what: string): RpcError {
    return new RpcError("protocol", 0, `the server at ${url} did not answer as a utxolab node (${what}): check --rpc`);
  }
}

/** True when the node answered and refused (a JSON-RPC error), not when it could not be reached. */
export const isRefusal = (e: unknown): e is RpcError => e instanceof RpcError && e.kind === "refused";
