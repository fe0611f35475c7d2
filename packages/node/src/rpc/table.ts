import { type DevnetNode, devnetMethods } from "./devnet.js";
import { helpText } from "./help.js";
import { type InfoNode, infoMethods } from "./info.js";
import { type CallContext, type MethodImpls, type MethodsNode, methods } from "./methods.js";
import { Params } from "./params.js";

/** One positional argument: its name, what it holds, and its default when it may be left out. */
export interface ArgSpec {
  readonly name: string;
  readonly type: string;
  readonly default?: string;
  readonly note?: string;
}

/** How a method stands to Bitcoin Core's method of the same name. */
export type CoreRelation = { readonly kind: "same" } | { readonly kind: "differs"; readonly how: string } | { readonly kind: "utxolab" };

export type Category = "blockchain" | "mempool" | "rawtransactions" | "mining" | "network" | "control" | "devnet";

export interface MethodDoc {
  readonly category: Category;
  readonly args: readonly ArgSpec[];
  readonly summary: string;
  readonly core: CoreRelation;
}

export interface MethodDef extends MethodDoc {
  readonly run: (params: unknown[], ctx?: CallContext) => unknown | Promise<unknown>;
}

export type MethodTable = Readonly<Record<string, MethodDef>>;

const same: CoreRelation = { kind: "same" };
const utxolab: CoreRelation = { kind: "utxolab" };
const differs = (how: string): CoreRelation => ({ kind: "differs", how });
const a = (name: string, type: string, dflt?: string, note?: string): ArgSpec => ({
  name,
  type,
  ...(dflt !== undefined ? { default: dflt } : {}),
  ...(note ? { note } : {}),
});

const CAMEL = "field names are UTXOLab's (camelCase), amounts are strings of units";

/**
 * Every RPC method's arguments, summary and relation to Core, in one place: `help`,
 * docs/rpc.md's table (checked by a test) and the typed client follow it. A method
 * implemented without an entry here, or listed without an implementation, stops the node at start.
 */
export const METHOD_DOCS: Readonly<Record<string, MethodDoc>> = {
  // ---- blockchain
  getblockchaininfo: {
    category: "blockchain",
    args: [],
    summary: "Network, height, best block, chain work, pool size.",
    core: differs(CAMEL),
  },
  getblockcount: { category: "blockchain", args: [], summary: "Height of the best chain.", core: same },
  getbestblockhash: { category: "blockchain", args: [], summary: "Hash of the best chain's tip.", core: same },
  getblockhash: { category: "blockchain", args: [a("height", "int")], summary: "Hash of the best chain's block at a height.", core: same },
  getblock: {
    category: "blockchain",
    args: [a("blockhash", "hash"), a("verbose", "bool", "false")],
    summary: "A block: hex, or (verbose) its fields and txids.",
    core: differs(`verbose is true/false, not verbosity 0-2; ${CAMEL}`),
  },
  getblockheader: {
    category: "blockchain",
    args: [a("blockhash", "hash"), a("verbose", "bool", "true")],
    summary: "A block header: the 80 bytes in hex, or (verbose) its fields with Core's names.",
    core: same,
  },
  getchaintips: {
    category: "blockchain",
    args: [],
    summary: "Every known tip: active, valid-fork, valid-headers, headers-only or invalid.",
    core: same,
  },
  getdifficulty: { category: "blockchain", args: [], summary: "Proof-of-work difficulty as a multiple of the easiest target.", core: same },
  gettxout: {
    category: "blockchain",
    args: [a("txid", "hash"), a("n", "int")],
    summary: "An unspent output (also of a waiting transaction), or null.",
    core: differs(`no scriptPubKey (outputs pay an x-only key); ${CAMEL}`),
  },
  gettxoutsetinfo: {
    category: "blockchain",
    args: [],
    summary: "Count and total of unspent outputs, and hash_serialized: a SHA-256 of the set two nodes can compare.",
    core: differs("hash_serialized is UTXOLab's own (docs/rpc.md), not Core's hash_serialized_3 or MuHash"),
  },
  verifyledger: {
    category: "blockchain",
    args: [],
    summary: "Replays the best chain from genesis and compares the result with the live UTXO set.",
    core: utxolab,
  },
  getaddressinfo: {
    category: "blockchain",
    args: [a("address", "address")],
    summary: "Balances and outputs of an address (the node indexes every address).",
    core: differs("Core's is a wallet method about one of its addresses; this one reads the chain and the pool"),
  },
  waitfornewblock: {
    category: "blockchain",
    args: [a("timeout", "int (ms)", "0", "0 waits until the next block, at most 110 s")],
    summary: "Waits for a new tip; returns {hash, height}.",
    core: same,
  },
  waitforblockheight: {
    category: "blockchain",
    args: [a("height", "int"), a("timeout", "int (ms)", "0", "0 waits at most 110 s")],
    summary: "Waits until the best chain reaches a height; returns {hash, height} of the tip.",
    core: same,
  },
  invalidateblock: {
    category: "blockchain",
    args: [a("blockhash", "hash")],
    summary: "Marks a block and its descendants invalid; the node steps back onto the best chain left.",
    core: same,
  },
  reconsiderblock: {
    category: "blockchain",
    args: [a("blockhash", "hash")],
    summary: "Clears invalid marks of a block, its ancestors and descendants; the best chain is followed again.",
    core: same,
  },
  // ---- mempool
  getmempoolinfo: { category: "mempool", args: [], summary: "Size, bytes, fees and limits of the pool.", core: differs(CAMEL) },
  getrawmempool: {
    category: "mempool",
    args: [a("verbose", "bool", "false")],
    summary: "Txids of the pool, or (verbose) an object of entries by txid.",
    core: differs("verbose entries use Core's names; fee is a string of units"),
  },
  getmempoolentry: { category: "mempool", args: [a("txid", "hash")], summary: "One waiting transaction's entry.", core: differs(CAMEL) },
  testmempoolaccept: {
    category: "mempool",
    args: [a("rawtxs", "array of hex")],
    summary: "Would the pool take these transactions (each checked alone)? Nothing is kept.",
    core: differs(CAMEL),
  },
  // ---- raw transactions
  getrawtransaction: {
    category: "rawtransactions",
    args: [a("txid", "hash"), a("verbose", "bool", "false")],
    summary: "A transaction from the pool or the best chain (every transaction is indexed).",
    core: differs(`no scripts: inputs carry a 64-byte signature, outputs an x-only key; ${CAMEL}`),
  },
  decoderawtransaction: {
    category: "rawtransactions",
    args: [a("hexstring", "hex")],
    summary: "The fields of a serialized transaction.",
    core: differs(`no scripts; ${CAMEL}`),
  },
  sendrawtransaction: {
    category: "rawtransactions",
    args: [a("hexstring", "hex"), a("maxfeerate", "coins per 1,000 bytes", "none", "refused with -25 above it; 0 or absent: no limit")],
    summary: "Submits a transaction to the pool and relays it; returns its txid.",
    core: differs("maxfeerate has no default (Core: 0.10): devnet tests often burn whole coins as fee"),
  },
  // ---- mining
  generatetoaddress: {
    category: "mining",
    args: [a("nblocks", "int"), a("address", "address")],
    summary: "Mines blocks paying the address; returns their hashes.",
    core: differs("no maxtries argument"),
  },
  submitblock: {
    category: "mining",
    args: [a("hexdata", "hex")],
    summary: "Submits a block; null when accepted, else the reason.",
    core: same,
  },
  getblocktemplate: {
    category: "mining",
    args: [a("address", "address", "none")],
    summary: "The next block's transactions, fees and limits.",
    core: differs("takes an optional payout address, not a template request object; UTXOLab fields"),
  },
  getmininginfo: { category: "mining", args: [], summary: "Height, difficulty, pool size and whether this node mines.", core: same },
  estimatesmartfee: {
    category: "mining",
    args: [a("conf_target", "int"), a("estimate_mode", "string", '"conservative"')],
    summary: "A fee rate (units per kB) to be mined within conf_target blocks, from the pool's contents.",
    core: differs("feerate is a string of units per 1,000 bytes, estimated from the pool, not from past blocks"),
  },
  // ---- network
  getnetworkinfo: { category: "network", args: [], summary: "Version, connections, relay fee, network state.", core: same },
  getconnectioncount: { category: "network", args: [], summary: "Number of connected peers.", core: same },
  getpeerinfo: { category: "network", args: [], summary: "Connected peers.", core: differs("UTXOLab fields") },
  addnode: {
    category: "network",
    args: [a("node", "ws://HOST:PORT")],
    summary: "Keeps connecting to a peer.",
    core: differs("one argument; no add/remove/onetry command"),
  },
  setnetworkactive: {
    category: "network",
    args: [a("state", "bool")],
    summary: "Drops every peer (false) or allows them again (true).",
    core: same,
  },
  // ---- control
  help: { category: "control", args: [a("command", "string", "all")], summary: "Lists every method, or explains one.", core: same },
  uptime: { category: "control", args: [], summary: "Seconds since the node started.", core: same },
  getmemoryinfo: { category: "control", args: [], summary: "The node process's memory in MB.", core: differs("UTXOLab fields") },
  stop: { category: "control", args: [], summary: "Shuts the node down cleanly.", core: same },
  // ---- devnet tools
  setmocktime: {
    category: "devnet",
    args: [a("timestamp", "int", undefined, "unix seconds; 0 returns to the real clock")],
    summary: "Fixes the node's clock for the chain rules, the pool and the miner.",
    core: same,
  },
  snapshot: {
    category: "devnet",
    args: [],
    summary: "Remembers the whole node (tip, pool, mock time); returns an id for revert.",
    core: utxolab,
  },
  revert: {
    category: "devnet",
    args: [a("id", "string")],
    summary: "Puts the node back to a snapshot (peers see a reorganization); that snapshot and later ones are used up.",
    core: utxolab,
  },
  dumpchain: {
    category: "devnet",
    args: [a("file", "path", undefined, "relative to the datadir")],
    summary: "Writes the best chain to a file for `utxolab node --load-chain`.",
    core: utxolab,
  },
};

/** The method table: implementations joined to their documentation; any mismatch is a programming error. */
/** What all RPC methods together reach. */
export type RpcNode = MethodsNode & InfoNode & DevnetNode;

export function methodTable(node: RpcNode): MethodTable {
  const impls: MethodImpls = { ...methods(node), ...infoMethods(node), ...devnetMethods(node) };
  const out: Record<string, MethodDef> = {};
  const docs = METHOD_DOCS;
  impls.help = (p) => {
    const ps = new Params("help", p, 1);
    const cmd = p[0] === undefined || p[0] === null ? undefined : ps.string(0, "command");
    return helpText(docs, cmd);
  };
  for (const [name, run] of Object.entries(impls)) {
    const doc = docs[name];
    if (!doc) throw new Error(`RPC method ${name} has no entry in METHOD_DOCS`);
    out[name] = { ...doc, run };
  }
  for (const name of Object.keys(docs)) if (!out[name]) throw new Error(`METHOD_DOCS lists ${name}, which has no implementation`);
  return out;
}
