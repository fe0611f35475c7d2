import { decodeAddress, type Hash, isHash, type NetworkParams } from "@utxolab/core";
import { RPC, RpcError } from "./errors.js";

/** Reads one method's positional parameters with checks that name what is wrong. */
export class Params {
  constructor(
    private readonly method: string,
    private readonly list: unknown[],
    max: number,
  ) {
    if (list.length > max) {
      throw new RpcError(RPC.INVALID_PARAMS, `${method} takes at most ${max} parameter(s), got ${list.length}`);
    }
  }

  private get(i: number, name: string, required: boolean): unknown {
    const v = this.list[i];
    if (v === undefined || v === null) {
      if (required) throw new RpcError(RPC.INVALID_PARAMS, `${this.method}: missing parameter ${i + 1} (${name})`);
      return undefined;
    }
    return v;
  }

  private typeError(name: string, want: string, v: unknown): RpcError {
    return new RpcError(RPC.INVALID_PARAMS, `${this.method}: ${name} must be ${want}, got ${JSON.stringify(v)}`);
  }

  int(i: number, name: string, min: number, max: number): number;
  int(i: number, name: string, min: number, max: number, optional: true): number | undefined;
  int(i: number, name: string, min: number, max: number, optional = false): number | undefined {
    const v = this.get(i, name, !optional);
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v)) throw this.typeError(name, "an integer", v);
    if (v < min || v > max) throw new RpcError(RPC.INVALID_PARAMETER, `${this.method}: ${name} ${v} is out of range ${min}..${max}`);
    return v;
  }

  bool(i: number, name: string): boolean {
    const v = this.get(i, name, false);
    if (v === undefined) return false;
    if (typeof v === "boolean") return v;
    if (v === 0 || v === 1) return v === 1;
    throw this.typeError(name, "true or false", v);
  }

  string(i: number, name: string): string {
    const v = this.get(i, name, true);
    if (typeof v !== "string") throw this.typeError(name, "a string", v);
    return v;
  }

  hash(i: number, name: string): Hash {
    const v = this.string(i, name);
    if (!isHash(v))
      throw new RpcError(RPC.INVALID_PARAMETER, `${this.method}: ${name} must be 64 lowercase hex digits, got ${JSON.stringify(v)}`);
    return v;
  }

  hex(i: number, name: string): string {
    const v = this.string(i, name);
    if (!/^(?:[0-9a-f]{2})*$/.test(v) || v.length === 0) {
      throw new RpcError(RPC.INVALID_PARAMETER, `${this.method}: ${name} must be lowercase hex with an even number of digits`);
    }
    return v;
  }

  /** A block hash; a height given instead gets the advice Core users need. */
  blockHash(i: number, name: string): Hash {
    const v = this.list[i];
    if (typeof v === "number") {
      throw new RpcError(
        RPC.INVALID_PARAMS,
        `${this.method}: ${name} must be a block hash (64 hex digits), got the number ${v}; for the block at a height, call getblockhash ${v} first`,
      );
    }
    return this.hash(i, name);
  }

  /** Serialized data (a transaction or block): hex that is odd or not hex does not decode, so it is -22 with `reason`, as Core. */
  rawHex(i: number, name: string, reason: "tx-decode-failed" | "block-decode-failed"): string {
    const v = this.string(i, name);
    if (v.length === 0 || v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v)) {
      const why =
        v.length === 0
          ? "it is empty"
          : v.length % 2 !== 0
            ? `it has an odd number of digits (${v.length})`
            : "it holds characters that are not hex digits";
      throw new RpcError(RPC.DESERIALIZATION, reason, `${this.method}: ${name} must be hex with an even number of digits: ${why}`);
    }
    return v.toLowerCase();
  }

  address(i: number, name: string, params: NetworkParams): { address: string; pubkey: Uint8Array } {
    const v = this.string(i, name);
    const d = decodeAddress(v, params.hrp);
    if (!d.ok) throw new RpcError(RPC.INVALID_PARAMETER, `${this.method}: ${d.detail}`);
    return { address: v.toLowerCase(), pubkey: d.pubkey };
  }

  array(i: number, name: string): unknown[] {
    const v = this.get(i, name, true);
    if (!Array.isArray(v)) throw this.typeError(name, "an array", v);
    return v;
  }
}
