import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { isRefusal, RpcClient, type RpcError, readCookie } from "@utxolab/client";
import { type Amount, bytesToHex, DEVNET, devnetAccounts, encodeAddress, encodeTx, type Hash, type Transaction } from "@utxolab/core";
import { UsageError } from "../args.js";
import { DemoAbort } from "./narrator.js";

/** The address of devnet account i (SPEC §3). */
export const accountAddress = (i: number): string => encodeAddress(devnetAccounts()[i].pubkey, DEVNET.hrp);

/** A spendable output of a devnet account, as the node reports it. */
export interface DemoCoin {
  txid: Hash;
  vout: number;
  value: Amount;
  height: number;
  coinbase: boolean;
  account: number;
}

export interface AddressInfo {
  balance: bigint;
  spendable: bigint;
  immature: bigint;
  pending: bigint;
  /** confirmed, but spent by a payment waiting in the pool */
  spending: bigint;
  coins: DemoCoin[];
}

/** A node's answer to a transaction: its txid, or the reason it refused and the numbers behind it. */
export type SendResult = { ok: true; txid: Hash } | { ok: false; code: number; reason: string; detail?: string };

export const showRefusal = (r: { reason: string; detail?: string }): string => (r.detail ? `${r.reason}: ${r.detail}` : r.reason);

interface VerifyLedger {
  height: number;
  utxos: number;
  supply: string;
  expectedMaxSupply: string;
  negative: number;
  ok: boolean;
  problems?: string[];
}

const refusalOf = (e: RpcError): SendResult => ({
  ok: false,
  code: e.code,
  reason: e.message,
  ...(e.data === undefined || e.data === null ? {} : { detail: typeof e.data === "string" ? e.data : JSON.stringify(e.data) }),
});

/** One running node, reached over JSON-RPC. */
export class DemoNode {
  readonly rpc: RpcClient;

  constructor(
    readonly name: string,
    readonly rpcUrl: string,
    private readonly token: string,
    readonly p2pUrl?: string,
  ) {
    this.rpc = new RpcClient({ url: rpcUrl, token, tokenHint: `the token for ${name}` });
  }

  call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    return this.rpc.call<T>(method, params);
  }

  async send(tx: Transaction): Promise<SendResult> {
    try {
      return { ok: true, txid: await this.call<Hash>("sendrawtransaction", [bytesToHex(encodeTx(tx))]) };
    } catch (e) {
      if (isRefusal(e)) return refusalOf(e);
      throw e;
    }
  }

  /**
   * Sends several transactions in one JSON-RPC batch. The node handles a batch
   * without pausing between calls, so a miner (--automine) cannot confirm the
   * first before the second arrives.
   */
  async sendTogether(txs: Transaction[]): Promise<SendResult[]> {
    const answers = await this.rpc.batch(txs.map((tx) => ({ method: "sendrawtransaction", params: [bytesToHex(encodeTx(tx))] })));
    return answers.map((a, id) => {
      if (a.ok) return { ok: true, txid: a.result as Hash };
      if (!a.error.refused) throw new DemoAbort(`${this.name} did not answer call ${id} of a JSON-RPC batch: ${a.error.message}`);
      return refusalOf(a.error);
    });
  }

  async height(): Promise<number> {
    return (await this.call<{ height: number }>("getblockchaininfo")).height;
  }

  async tip(): Promise<{ height: number; hash: Hash; chainWork: bigint }> {
    const i = await this.call<{ height: number; bestBlockHash: Hash; chainWork: string }>("getblockchaininfo");
    return { height: i.height, hash: i.bestBlockHash, chainWork: BigInt(i.chainWork) };
  }

  mine(n: number, account: number): Promise<Hash[]> {
    return this.call<Hash[]>("generatetoaddress", [n, accountAddress(account)]);
  }

  async addressInfo(account: number): Promise<AddressInfo> {
    const a = await this.call<{
      balance: string;
      spendable: string;
      immature: string;
      pending: string;
      spending?: string;
      utxos: { txid: Hash; vout: number; value: string; height: number; coinbase: boolean; mature: boolean; spentBy?: string }[];
    }>("getaddressinfo", [accountAddress(account)]);
    return {
      balance: BigInt(a.balance),
      spendable: BigInt(a.spendable),
      immature: BigInt(a.immature),
      pending: BigInt(a.pending),
      spending: BigInt(a.spending ?? "0"),
      coins: a.utxos
        .filter((u) => u.mature && !u.spentBy)
        .map((u) => ({ txid: u.txid, vout: u.vout, value: BigInt(u.value) as Amount, height: u.height, coinbase: u.coinbase, account })),
    };
  }

  /** Confirmations of a transaction on this node's best chain: 0 while it waits, undefined when the node does not know it. */
  async confirmations(id: Hash): Promise<number | undefined> {
    try {
      return (await this.call<{ confirmations: number }>("getrawtransaction", [id, true])).confirmations;
    } catch (e) {
      if (isRefusal(e) && e.code === -5) return undefined;
      throw e;
    }
  }

  /**
   * Tells the node's page where the demo is (POST /api/demo). A node without the workshop page
   * (or an older one) simply does not show it: the demo goes on either way.
   */
  async progress(note: { name: string; step: number; total: number; text?: string; done?: boolean }): Promise<void> {
    try {
      await fetch(new URL("/api/demo", this.rpcUrl), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ ...note, ...(note.text ? { text: note.text.slice(0, 300) } : {}) }),
        signal: AbortSignal.timeout(2000),
      });
    } catch {
      // the banner is a nicety; the terminal says the same
    }
  }

  verifyLedger(): Promise<VerifyLedger> {
    return this.call<VerifyLedger>("verifyledger");
  }
}

export interface ConnectOptions {
  rpc?: string;
  datadir?: string;
  token?: string;
  dir?: string;
  /** $UTXOLAB_DATADIR: node0 when nothing else names a node, as for `utxolab rpc` and the wallet */
  envDatadir?: string;
}

interface NodeJson {
  rpcUrl?: unknown;
  p2pUrl?: unknown;
  cookie?: unknown;
}

function readNodeJson(datadir: string): NodeJson | undefined {
  const file = join(datadir, "node.json");
  if (!existsSync(file)) return undefined;
  try {
    const j = JSON.parse(readFileSync(file, "utf8")) as NodeJson;
    if (typeof j.rpcUrl !== "string") throw new Error("no rpcUrl");
    return j;
  } catch (e) {
    throw new DemoAbort(`${file} is not a node's description (${(e as Error).message}): restart the node, or pass --rpc URL --rpc-token T`);
  }
}

function nodeFromDatadir(name: string, datadir: string, token: string | undefined): DemoNode | undefined {
  const j = readNodeJson(datadir);
  if (!j) return undefined;
  let t = token;
  if (!t && typeof j.cookie === "string") {
    try {
      t = readFileSync(j.cookie, "utf8").trim();
    } catch {
      throw new DemoAbort(
        `${name} in ${datadir} is not running (its token file ${j.cookie} is gone; a node removes it when it stops): start the devnet again with \`utxolab devnet\`, or pass --rpc URL --rpc-token T`,
      );
    }
  }
  if (!t) throw new DemoAbort(`${name} in ${datadir} was started with --rpc-token: pass the same --rpc-token T to the demo`);
  return new DemoNode(name, j.rpcUrl as string, t, typeof j.p2pUrl === "string" ? j.p2pUrl : undefined);
}

/**
 * The nodes a demo talks to: node0 (from --rpc, --datadir or the devnet dir)
 * and, when `wanted` is 2, node1 of the devnet dir.
 */
export function connectNodes(opts: ConnectOptions, wanted: 1 | 2): DemoNode[] {
  if (opts.rpc && opts.token && opts.datadir) throw new UsageError("give either --datadir or --rpc-token with --rpc, not both");
  // With nothing on the command line, $UTXOLAB_DATADIR names node0 (the workshop sets it once);
  // when it is a devnet's node0, its siblings are that devnet's other nodes.
  const fromEnv = !opts.rpc && !opts.datadir && !opts.dir && opts.envDatadir ? resolve(opts.envDatadir) : undefined;
  const dir = fromEnv && basename(fromEnv) === "node0" ? dirname(fromEnv) : resolve(opts.dir ?? ".devnet");
  let first: DemoNode | undefined;
  if (opts.rpc) {
    const token = opts.token ?? (opts.datadir ? readCookie(opts.datadir) : undefined);
    if (!token) throw new UsageError("--rpc needs the node's token: add --rpc-token T, or --datadir DIR of that node (its rpc.cookie)");
    first = new DemoNode("node0", opts.rpc, token, opts.datadir ? (readNodeJson(opts.datadir)?.p2pUrl as string | undefined) : undefined);
  } else if (fromEnv) {
    first = nodeFromDatadir("node0", fromEnv, opts.token);
    if (!first) {
      throw new DemoAbort(
        `no node.json in ${fromEnv} (from $UTXOLAB_DATADIR): is a node running there? Start one with \`utxolab devnet\`, or point $UTXOLAB_DATADIR at a running node's datadir, or pass --dir DIR`,
      );
    }
  } else if (opts.datadir) {
    first = nodeFromDatadir("node0", resolve(opts.datadir), opts.token);
    if (!first) throw new DemoAbort(`no node.json in ${resolve(opts.datadir)}: is a node running with --datadir ${opts.datadir}?`);
  } else {
    first = nodeFromDatadir("node0", join(dir, "node0"), opts.token);
    if (!first) {
      throw new DemoAbort(
        `no devnet in ${dir} (no node0/node.json): start one with \`utxolab devnet\` in this directory and leave it running, or pass --dir DIR, or --rpc URL --rpc-token T`,
      );
    }
  }
  if (wanted === 1) return [first];
  const second = nodeFromDatadir("node1", join(dir, "node1"), opts.token);
  if (!second || second.rpc.endpoint === first.rpc.endpoint) {
    throw new DemoAbort(
      `this demo needs two connected nodes, node0 and node1 of a devnet, and ${join(dir, "node1", "node.json")} is missing: start \`utxolab devnet\` (3 nodes by default) and pass its --dir`,
    );
  }
  if (!first.p2pUrl || !second.p2pUrl) {
    throw new DemoAbort(`this demo reconnects the two nodes and needs their P2P addresses: run it with --dir DIR of a devnet, not --rpc`);
  }
  return [first, second];
}
