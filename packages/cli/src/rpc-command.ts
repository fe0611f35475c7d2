import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultDatadir } from "@utxolab/node";
import { NodeUnreachableError, RpcClient, RpcError, readCookie } from "@utxolab/wallet";
import { UsageError } from "./args.js";

export const RPC_USAGE = "utxolab rpc METHOD [PARAMS...] [--rpc URL] [--datadir DIR | --rpc-token T]";

/** The RPC URL a node running on `datadir` wrote to its node.json, so `--datadir` alone finds it. */
export function runningNodeUrl(datadir: string): string | undefined {
  try {
    const info = JSON.parse(readFileSync(join(datadir, "node.json"), "utf8")) as { rpcUrl?: unknown };
    return typeof info.rpcUrl === "string" && /^https?:\/\//.test(info.rpcUrl) ? info.rpcUrl : undefined;
  } catch {
    return undefined;
  }
}

/** Each PARAM is JSON where it parses (5, true, ["ab"]), else a string. */
export function parseParam(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Flags may stand anywhere; everything else is the method and its parameters (negative numbers included). */
export function splitRpcArgs(args: string[]) {
  const opts: { rpc?: string; datadir?: string; token?: string } = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const take = (name: string) => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value\nusage: ${RPC_USAGE}`);
      return v;
    };
    if (a === "--rpc") opts.rpc = take(a);
    else if (a === "--datadir") opts.datadir = take(a);
    else if (a === "--rpc-token") opts.token = take(a);
    else if (a.startsWith("--rpc=")) opts.rpc = a.slice(6);
    else if (a.startsWith("--datadir=")) opts.datadir = a.slice(10);
    else if (a.startsWith("--rpc-token=")) opts.token = a.slice(12);
    else rest.push(a);
  }
  if (opts.token && opts.datadir) throw new UsageError(`give either --datadir or --rpc-token, not both\nusage: ${RPC_USAGE}`);
  return { opts, rest };
}

export async function runRpc(args: string[]): Promise<number> {
  const { opts, rest } = splitRpcArgs(args);
  const [method, ...params] = rest;
  if (!method) throw new UsageError(`which method? e.g. utxolab rpc getblockchaininfo\nusage: ${RPC_USAGE}`);
  const datadir = opts.datadir ?? defaultDatadir();
  let token = opts.token;
  if (!token) {
    try {
      token = readCookie(datadir);
    } catch {
      console.error(
        `error: no RPC token: ${join(datadir, "rpc.cookie")} cannot be read. Is the node running with that datadir? Pass --datadir DIR of the node, or --rpc-token T.`,
      );
      return 1;
    }
  }
  try {
    const client = new RpcClient({ url: opts.rpc ?? runningNodeUrl(datadir) ?? "http://127.0.0.1:18443", token });
    const result = await client.call(method, params.map(parseParam));
    console.log(typeof result === "string" ? result : JSON.stringify(result, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof RpcError) {
      console.error(
        `error ${e.code}: ${e.message}${e.data !== undefined ? `: ${typeof e.data === "string" ? e.data : JSON.stringify(e.data)}` : ""}`,
      );
    } else if (e instanceof NodeUnreachableError) {
      console.error(`error: ${e.message}`);
    } else {
      console.error(`error: ${(e as Error).message}`);
    }
    return 1;
  }
}
