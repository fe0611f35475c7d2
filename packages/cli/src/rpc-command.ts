import { join } from "node:path";
import { defaultDatadir, RpcClient, RpcError, readCookie, runningNodeUrl } from "@utxolab/client";
import { flags, parseOptions, strings, UsageError } from "./args.js";

export const RPC_USAGE = "utxolab rpc METHOD [PARAMS...] [--rpc URL] [--datadir DIR | --rpc-token T] [--json]";

/** Each PARAM is JSON where it parses (5, true, ["ab"]), else a string. */
export function parseParam(s: string): unknown {
  try {
    const v = JSON.parse(s);
    // 1e400 parses to Infinity, which JSON sends as null ("missing parameter"): send the text, refused for what it is
    return typeof v === "number" && !Number.isFinite(v) ? s : v;
  } catch {
    return s;
  }
}

/** Options may stand anywhere; every other word is the method or a parameter (negative numbers and `--x` included). */
export function splitRpcArgs(args: string[]) {
  const { values, positionals } = parseOptions(RPC_USAGE, {
    args,
    options: { ...strings("rpc", "datadir", "rpc-token"), ...flags("json") },
    allowPositionals: true,
    unknownAsArgument: true,
  });
  const opts = { rpc: values.rpc, datadir: values.datadir, token: values["rpc-token"], json: values.json };
  if (opts.token && opts.datadir) throw new UsageError(`give either --datadir or --rpc-token, not both\nusage: ${RPC_USAGE}`);
  return { opts, rest: positionals };
}

/**
 * One call to the node. Without --json a string result prints bare (a hash, `help`'s text)
 * and anything else as indented JSON; with --json stdout is always one JSON document,
 * `{"result": ...}` or `{"error": {kind, code, message, data?}}`, and nothing else.
 */
export async function runRpc(args: string[]): Promise<number> {
  try {
    return await callOnce(args);
  } catch (e) {
    // with --json, stdout is one JSON document even for a mistyped command (exit 2 all the same)
    if (e instanceof UsageError && args.includes("--json"))
      console.log(JSON.stringify({ error: { kind: "usage", code: 0, message: e.message } }));
    throw e;
  }
}

async function callOnce(args: string[]): Promise<number> {
  const { opts, rest } = splitRpcArgs(args);
  const [method, ...params] = rest;
  if (!method) throw new UsageError(`which method? e.g. utxolab rpc getblockchaininfo (utxolab rpc help lists them)\nusage: ${RPC_USAGE}`);
  const fail = (e: RpcError | Error): number => {
    if (opts.json) {
      const error = e instanceof RpcError ? e.toJSON() : { kind: "usage", code: 0, message: e.message };
      console.log(JSON.stringify({ error }));
    } else if (e instanceof RpcError && e.refused) console.error(`error ${e.code}: ${e.display}`);
    else console.error(`error: ${e.message}`);
    return 1;
  };
  const datadir = opts.datadir ?? defaultDatadir();
  let token = opts.token;
  if (!token) {
    try {
      token = readCookie(datadir);
    } catch {
      return fail(
        new Error(
          `no RPC token: ${join(datadir, "rpc.cookie")} cannot be read. Is the node running with that datadir? Pass --datadir DIR of the node, or --rpc-token T.`,
        ),
      );
    }
  }
  try {
    const client = new RpcClient({ url: opts.rpc ?? runningNodeUrl(datadir) ?? "http://127.0.0.1:18443", token });
    const result = await client.call(method, params.map(parseParam));
    if (opts.json) console.log(JSON.stringify({ result }));
    else console.log(typeof result === "string" ? result : JSON.stringify(result, null, 2));
    return 0;
  } catch (e) {
    return fail(e as Error);
  }
}
