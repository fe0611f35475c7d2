/**
 * The shapes the node sends over the wire to its clients: the web page's /api routes and
 * /api/events feed, and the RPC answers both the typed client and the page read. One module
 * of types only (no runtime code), so the node, `@utxolab/client` and the page's bundle
 * (packages/node/web) import the same declarations and cannot drift apart; importing it adds
 * nothing to the bundle.
 *
 * Amounts (and chain work) are `bigint` inside the node and decimal strings on the wire: shapes
 * that carry them take that type as a parameter, `Units` (the wire's) by default; the node's
 * code fills the `bigint` form and its JSON writer turns every bigint into its decimal string.
 */
import type { BlockStatus } from "./chain.js";
import type { Reason, ReasonKind } from "./reasons.js";

/** An amount on the wire: a decimal string of units (JSON has no bigint). */
export type Units = string;

/** What the node reports: one of these per block, transaction, reorganization or peer change. */
export type NodeEventOf<A> =
  | { type: "block"; height: number; hash: string; txs: number; fees: A; time: number; size: number }
  | { type: "block-disconnected"; height: number; hash: string }
  | { type: "block-rejected"; hash: string; reason: string; detail?: string; source: string }
  | { type: "tx"; txid: string; fee: A; size: number; source: string }
  | { type: "tx-rejected"; txid: string; reason: string; detail?: string; source: string }
  | { type: "tx-removed"; txid: string; why: string }
  | {
      type: "reorg";
      from: { hash: string; height: number };
      to: { hash: string; height: number };
      fork: { hash: string; height: number };
      depth: number;
    }
  | { type: "peer"; line: string }
  | { type: "info"; line: string }
  /** a guided demo says where it is (utxolab demo NAME): the page shows it as a banner */
  | { type: "demo"; name: string; step: number; total: number; text: string; done: boolean }
  /** the miner was paused, resumed or asked for one block from the page */
  | { type: "mining"; paused: boolean; line: string };

/** A node event as the page receives it (amounts as strings). */
export type WireEvent = NodeEventOf<Units>;

/** Where a guided demo is: the banner's text. */
export type DemoNote = Extract<WireEvent, { type: "demo" }>;

/** One refusal of the page's "what the node said no to" feed (`GET /api/refusals`). */
export interface Refusal {
  seq: number;
  /** unix seconds */
  time: number;
  kind: "tx" | "block";
  id: string;
  reason: string;
  detail?: string;
  source: string;
  plain: string;
}

/** What the page receives on /api/events: the node's event, numbered, with plain words for refusals. */
export interface LiveMessage<A = Units> {
  seq: number;
  time: number;
  event: NodeEventOf<A>;
  plain?: string;
}

/** One row of core's reasons table as the page's glossary reads it (`GET /api/reasons`). */
export interface ReasonText {
  reason: Reason;
  kind: ReasonKind;
  /** the rule in words a newcomer understands */
  plain: string;
}

/** A confirmed coin of an address (RPC `getaddressinfo`, `GET /api/address/…`). */
export interface AddressUtxo {
  txid: string;
  vout: number;
  value: Units;
  height: number;
  coinbase: boolean;
  mature: boolean;
  /** the waiting transaction that spends it */
  spentBy?: string;
}

/** What an address holds: RPC `getaddressinfo` and the page's address view. */
export interface AddressInfo {
  address: string;
  pubkey: string;
  /** every confirmed unspent output, in units */
  balance: Units;
  /** confirmed, mature and not spent by a waiting transaction */
  spendable: Units;
  /** coinbase outputs still inside coinbaseMaturity */
  immature: Units;
  /** outputs of waiting transactions, not yet spent by another waiting one */
  pending: Units;
  /** confirmed and mature, but a waiting transaction spends it */
  spending: Units;
  utxos: AddressUtxo[];
  pendingUtxos: { txid: string; vout: number; value: Units }[];
  /** how many outputs are pending (pendingUtxos may hold fewer: `pendingLimit`) */
  pendingCount: number;
  balanceCoins: string;
}

/** A refused request's answer: the stable SPEC reason, its numbers apart, and plain words. */
export interface RefusalAnswer {
  ok: false;
  reason: string;
  detail?: string;
  plain: string;
}

/** `POST /api/tx`: accepted into the pool, or refused (HTTP 422). */
export type SubmitAnswer = { ok: true; txid: string; fee: Units; size: number } | (RefusalAnswer & { txid?: string });

/** The invalid block a refused block builds on, told as its own refusal. */
export interface BlockCause {
  height: number;
  hash: string;
  reason: string;
  detail?: string;
  plain: string;
}

/** `POST /api/block`: accepted (on the best chain or a side branch), or refused (HTTP 422). */
export type BlockAnswer =
  | { ok: true; hash: string; height: number; active: boolean; plain: string; cause?: BlockCause }
  | (RefusalAnswer & { hash?: string; cause?: BlockCause });

/** `GET /api/mining` and the answer to `POST /api/mining`. */
export interface MiningState {
  paused: boolean;
  /** something mines by itself (--automine, --mine-interval) */
  automatic: boolean;
  mineTo: string | null;
  pool: number;
  said?: string;
  height?: number;
}

/**
 * A JSON-RPC error as it travels (SPEC §9): Core's code, the reason as message, the detail in data.
 * The node throws it (`RpcError` of @utxolab/node) and the client reads it back (`RpcError` of
 * @utxolab/client, kind "refused"); the two classes stay apart because the client's also stands for
 * the calls that got no such answer (unreachable, timeout, unauthorized, protocol).
 */
export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

// ---- the page's views of blocks, transactions and the pool (`GET /api/blocks`, `/api/block/…`, `/api/tx/…`, `/api/mempool`)

/** One block as a card of the chain page. */
export interface BlockCard<A = Units> {
  height: number;
  hash: string;
  prevHash: string;
  time: number;
  txCount: number;
  size: number;
  /** null when the node never connected the block (no undo data to price its inputs) */
  fees: A | null;
  status: BlockStatus;
  /** the stable SPEC reason, and its numbers apart */
  invalidReason?: string;
  invalidDetail?: string;
  /** on the best chain */
  active: boolean;
}

/** A page of the best chain, with the blocks of other branches at those heights beside it. */
export interface ChainPage<A = Units> {
  tip: number;
  from: number;
  to: number;
  best: BlockCard<A>[];
  side: BlockCard<A>[];
  /** side blocks beyond the page's limit */
  sideOmitted: number;
}

/** A transaction as a line of a block's list. */
export interface BlockTx<A = Units> {
  txid: string;
  coinbase: boolean;
  inputs: number;
  outputs: number;
  valueOut: A;
  fee?: A;
}

/** A block with its header's fields and a page of its transactions. */
export interface BlockView<A = Units> extends BlockCard<A> {
  version: number;
  merkleRoot: string;
  bits: number;
  nonce: number;
  /** a bigint in the node, like the amounts */
  chainWork: A;
  /** -1 for a block off the best chain, as the RPC's getblock */
  confirmations: number;
  subsidy: A;
  invalidPlain?: string;
  nextHash?: string;
  reward?: A;
  txs: BlockTx<A>[];
  offset: number;
  hasBody: boolean;
}

/** Who spent an output: a transaction of the best chain or one waiting in the pool. */
export type SpentBy = { txid: string; in: "chain"; height: number } | { txid: string; in: "pool" } | null;

export interface InputView<A = Units> {
  prevTxid: string;
  vout: number;
  value?: A;
  address?: string;
}

export interface OutputView<A = Units> {
  n: number;
  value: A;
  address: string;
  spent: SpentBy;
}

/** A transaction of the pool or the best chain, with where it stands. */
export interface TxView<A = Units> {
  txid: string;
  coinbase: boolean;
  size: number;
  version: number;
  locktime: number;
  inputs: InputView<A>[];
  outputs: OutputView<A>[];
  valueOut: A;
  valueIn?: A;
  fee?: A;
  /** units per byte, core's `feeRateText` */
  feeRate?: string;
  hex?: string;
  status:
    | { in: "chain"; block: string; height: number; index: number; confirmations: number }
    /** confirmations is 0: no block holds it */
    | { in: "pool"; confirmations: number; time: number; parents: string[]; children: string[]; ancestors: number; descendants: number };
}

/** A waiting transaction as a line of the pool page. */
export interface PoolTx<A = Units> {
  txid: string;
  fee: A;
  size: number;
  /** units per byte, core's `feeRateText` */
  feeRate: string;
  time: number;
  valueOut: A;
  parents: string[];
  children: string[];
  ancestors: number;
  descendants: number;
}

export interface PoolPage<A = Units> {
  count: number;
  bytes: number;
  totalFees: A;
  offset: number;
  txs: PoolTx<A>[];
}
