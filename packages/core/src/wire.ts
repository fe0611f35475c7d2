/**
 * The shapes the node sends over the wire to its clients: the web page's /api routes and
 * /api/events feed, and the RPC answers both the typed client and the page read. One module
 * of types only (no runtime code), so the node, `@utxolab/client` and the page's bundle
 * (packages/node/web) import the same declarations and cannot drift apart; importing it adds
 * nothing to the bundle.
 *
 * Amounts are `bigint` inside the node and decimal strings of units on the wire: shapes that
 * carry amounts take the amount type as a parameter, `Units` (the wire's) by default.
 */
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
