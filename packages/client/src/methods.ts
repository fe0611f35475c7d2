import type { AddressInfo, BlockHeader, Hash, Units } from "@utxolab/core";

/** Amounts travel as decimal strings of units ("150000000" = 1.5 coins); parse them with BigInt. */
export type { Units };

export interface BlockchainInfo {
  network: string;
  genesisHash: Hash;
  height: number;
  bestBlockHash: Hash;
  chainWork: string;
  mempoolSize: number;
  mempoolBytes: number;
  medianTime: number;
}

/** getblock verbose: the header's fields (core's BlockHeader) plus where the block stands. */
export interface BlockVerbose extends BlockHeader {
  hash: Hash;
  height: number;
  txids: Hash[];
  size: number;
  confirmations: number;
  chainWork: string;
  status: "stored" | "valid" | "invalid";
  nextHash?: Hash;
}

export interface BlockHeaderVerbose {
  hash: Hash;
  confirmations: number;
  height: number;
  version: number;
  versionHex: string;
  merkleroot: Hash;
  time: number;
  mediantime: number;
  nonce: number;
  bits: string;
  difficulty: number;
  chainwork: string;
  nTx: number;
  previousblockhash?: Hash;
  nextblockhash?: Hash;
}

export interface ChainTip {
  height: number;
  hash: Hash;
  branchlen: number;
  status: "active" | "valid-fork" | "valid-headers" | "headers-only" | "invalid";
}

export interface TxVerbose {
  txid: Hash;
  hex: string;
  size: number;
  version: number;
  locktime: number;
  coinbase: boolean;
  inputs: { prevTxid: Hash; vout: number; witness: string; value?: Units; address?: string }[];
  outputs: { n: number; value: Units; pubkey: string; address: string; spentBy?: Hash }[];
  fee?: Units;
  blockHash?: Hash;
  blockHeight?: number;
  confirmations: number;
  inMempool?: boolean;
}

export type TestAcceptResult =
  | { txid: Hash; allowed: true; fee: Units; size: number }
  | { txid: Hash; allowed: false; reason: string; detail?: string };

export interface MempoolEntryInfo {
  size: number;
  fee: Units;
  feeRate: number;
  ancestors: number;
  descendants: number;
  time: number;
  height: number;
  parents: Hash[];
  children: Hash[];
}

export interface RawMempoolVerboseEntry {
  vsize: number;
  size: number;
  fee: Units;
  time: number;
  height: number;
  ancestorcount: number;
  descendantcount: number;
  depends: Hash[];
  spentby: Hash[];
}

export interface TxOut {
  value: Units;
  address: string;
  confirmations: number;
  coinbase: boolean;
  height?: number;
}

/** getaddressinfo: core's wire shape, which the web page reads too. */
export type { AddressInfo };

export interface BlockTemplate {
  height: number;
  prevHash: Hash;
  bits: number;
  time: number;
  minTime: number;
  txs: { txid: Hash; hex: string; fee: Units; size: number }[];
  fees: Units;
  subsidy: Units;
  coinbaseValue: Units;
}

export interface PeerInfo {
  id: number;
  url: string;
  inbound: boolean;
  height: number;
  banScore: number;
  userAgent?: string;
}

export interface MempoolInfo {
  loaded: boolean;
  size: number;
  bytes: number;
  total_fee: Units;
  maxmempool: number;
  minrelaytxfee: Units;
  orphans: number;
}

export interface NetworkInfo {
  version: number;
  subversion: string;
  protocolversion: number;
  localservices: string;
  localrelay: boolean;
  timeoffset: number;
  networkactive: boolean;
  connections: number;
  connections_in: number;
  connections_out: number;
  networks: unknown[];
  relayfee: Units;
  incrementalfee: Units;
  localaddresses: { address: string }[];
  warnings: string[];
  /** UTXOLab only: the BIP340 backend checking signatures and its worker threads (0: the main thread) */
  verifier: { backend: string; threads: number };
  [utxolabField: string]: unknown;
}

export interface MiningInfo {
  blocks: number;
  bits: string;
  difficulty: number;
  target: string;
  pooledtx: number;
  chain: string;
  automine: boolean;
  mineIntervalMs: number | null;
  warnings: string[];
}

export interface TxOutSetInfo {
  height: number;
  bestblock: Hash;
  txouts: number;
  transactions: number;
  total_amount: Units;
  hash_serialized: string;
  hash_type: "utxolab-sha256-sorted-v1";
}

export interface LedgerCheck {
  height: number;
  utxos: number;
  supply: Units;
  expectedMaxSupply: Units;
  negative: number;
  ok: boolean;
  problems?: string[];
}

export interface MemoryInfo {
  rssMB: number;
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
  arrayBuffersMB: number;
  utxos: number;
}

export interface TipRef {
  hash: Hash;
  height: number;
}

/**
 * Every method of the node: its positional parameters and its result. `RpcClient.call`
 * checks both at compile time. Kept in step with the node's method table by a test.
 */
export interface RpcMethods {
  getblockchaininfo: { params: []; result: BlockchainInfo };
  getblockcount: { params: []; result: number };
  getbestblockhash: { params: []; result: Hash };
  getblockhash: { params: [height: number]; result: Hash };
  getblock: { params: [blockhash: Hash] | [blockhash: Hash, verbose: boolean]; result: string | BlockVerbose };
  getblockheader: { params: [blockhash: Hash] | [blockhash: Hash, verbose: boolean]; result: BlockHeaderVerbose | string };
  getchaintips: { params: []; result: ChainTip[] };
  getdifficulty: { params: []; result: number };
  gettxout: { params: [txid: Hash, n: number]; result: TxOut | null };
  gettxoutsetinfo: { params: []; result: TxOutSetInfo };
  verifyledger: { params: []; result: LedgerCheck };
  getaddressinfo: { params: [address: string]; result: AddressInfo };
  waitfornewblock: { params: [] | [timeoutMs: number]; result: TipRef };
  waitforblockheight: { params: [height: number] | [height: number, timeoutMs: number]; result: TipRef };
  invalidateblock: { params: [blockhash: Hash]; result: null };
  reconsiderblock: { params: [blockhash: Hash]; result: null };
  getmempoolinfo: { params: []; result: MempoolInfo };
  getrawmempool: { params: [] | [verbose: boolean]; result: Hash[] | Record<Hash, RawMempoolVerboseEntry> };
  getmempoolentry: { params: [txid: Hash]; result: MempoolEntryInfo };
  testmempoolaccept: { params: [rawtxs: string[]]; result: TestAcceptResult[] };
  getrawtransaction: { params: [txid: Hash] | [txid: Hash, verbose: boolean]; result: string | TxVerbose };
  decoderawtransaction: { params: [hexstring: string]; result: TxVerbose };
  sendrawtransaction: { params: [hexstring: string, maxfeerate?: number | string]; result: Hash };
  generatetoaddress: { params: [nblocks: number, address: string]; result: Hash[] };
  submitblock: { params: [hexdata: string]; result: string | null };
  getblocktemplate: { params: [] | [address: string]; result: BlockTemplate };
  getmininginfo: { params: []; result: MiningInfo };
  estimatesmartfee: { params: [confTarget: number] | [confTarget: number, mode: string]; result: { feerate: Units; blocks: number } };
  getnetworkinfo: { params: []; result: NetworkInfo };
  getconnectioncount: { params: []; result: number };
  getpeerinfo: { params: []; result: PeerInfo[] };
  addnode: { params: [node: string]; result: null };
  setnetworkactive: { params: [state: boolean]; result: null };
  help: { params: [] | [command: string]; result: string };
  uptime: { params: []; result: number };
  getmemoryinfo: { params: []; result: MemoryInfo };
  stop: { params: []; result: null };
  setmocktime: { params: [timestamp: number]; result: null };
  snapshot: { params: []; result: string };
  revert: { params: [id: string]; result: true };
  dumpchain: { params: [file: string]; result: { file: string; height: number; bytes: number } };
}

export type MethodName = keyof RpcMethods;
export type ParamsOf<M extends MethodName> = RpcMethods[M]["params"];
export type ResultOf<M extends MethodName> = RpcMethods[M]["result"];

/** The method names, for tests that check this list against the node's table. */
export const METHOD_NAMES: readonly MethodName[] = [
  "getblockchaininfo",
  "getblockcount",
  "getbestblockhash",
  "getblockhash",
  "getblock",
  "getblockheader",
  "getchaintips",
  "getdifficulty",
  "gettxout",
  "gettxoutsetinfo",
  "verifyledger",
  "getaddressinfo",
  "waitfornewblock",
  "waitforblockheight",
  "invalidateblock",
  "reconsiderblock",
  "getmempoolinfo",
  "getrawmempool",
  "getmempoolentry",
  "testmempoolaccept",
  "getrawtransaction",
  "decoderawtransaction",
  "sendrawtransaction",
  "generatetoaddress",
  "submitblock",
  "getblocktemplate",
  "getmininginfo",
  "estimatesmartfee",
  "getnetworkinfo",
  "getconnectioncount",
  "getpeerinfo",
  "addnode",
  "setnetworkactive",
  "help",
  "uptime",
  "getmemoryinfo",
  "stop",
  "setmocktime",
  "snapshot",
  "revert",
  "dumpchain",
];
