import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const DEFAULT_RPC_URL = "http://127.0.0.1:18443";
export const COOKIE_FILE = "rpc.cookie";
export const NODE_FILE = "node.json";

/** The node's data directory: $UTXOLAB_DATADIR, else ~/.utxolab/<network> (as the node picks it). */
export function defaultDatadir(network = "devnet", env: NodeJS.ProcessEnv = process.env): string {
  return env.UTXOLAB_DATADIR ? resolve(env.UTXOLAB_DATADIR) : join(homedir(), ".utxolab", network);
}

/** The token the node wrote at start. Throws a message that says what to do when it is missing. */
export function readCookie(datadir: string): string {
  const file = join(datadir, COOKIE_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error(`no RPC cookie at ${file}: start \`utxolab node --datadir ${datadir}\`, or pass --rpc-token`);
    }
    throw new Error(`cannot read the RPC cookie ${file} (${code ?? String(e)}): pass --rpc-token instead`);
  }
  const token = text.trim();
  if (token === "") throw new Error(`the RPC cookie ${file} is empty: restart the node, or pass --rpc-token`);
  return token;
}

/** The RPC URL a node running on `datadir` wrote to its node.json, so a datadir alone finds it. */
export function runningNodeUrl(datadir: string): string | undefined {
  try {
    const info = JSON.parse(readFileSync(join(datadir, NODE_FILE), "utf8")) as { rpcUrl?: unknown };
    return typeof info.rpcUrl === "string" && /^https?:\/\//.test(info.rpcUrl) ? info.rpcUrl : undefined;
  } catch {
    return undefined;
  }
}

export interface DiscoverOptions {
  /** the node's datadir; default $UTXOLAB_DATADIR or ~/.utxolab/devnet */
  datadir?: string;
  /** overrides the URL of node.json */
  url?: string;
  /** overrides the cookie */
  token?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Discovered {
  url: string;
  token: string;
  datadir: string;
  /** where the token came from, said in a 401's message */
  tokenHint: string;
}

/**
 * Where the node is and how to talk to it: the URL from `<datadir>/node.json` (the node
 * writes it at start), the token from `<datadir>/rpc.cookie`; explicit options win.
 */
export function discoverNode(opts: DiscoverOptions = {}): Discovered {
  const datadir = opts.datadir ? resolve(opts.datadir) : defaultDatadir("devnet", opts.env);
  const url = opts.url ?? runningNodeUrl(datadir) ?? DEFAULT_RPC_URL;
  if (opts.token !== undefined) return { url, token: opts.token, datadir, tokenHint: "the token given with --rpc-token" };
  return { url, token: readCookie(datadir), datadir, tokenHint: `the token in ${join(datadir, COOKIE_FILE)}` };
}
