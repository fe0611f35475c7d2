import {
  type Block,
  type BlockIndexEntry,
  buildBlock,
  bytesToHex,
  type ChainBackend,
  type ChainOptions,
  ChainState,
  DEVNET,
  encodeCoin,
  type Hash,
  MemoryChainBackend,
  MemoryUtxoSet,
  type NetworkParams,
  subsidyAt,
  type Transaction,
  type UtxoEntry,
  utf8,
} from "@utxolab/core";
import { NOW, out } from "./devnet.js";

/** A devnet chain in memory (or on `backend`), its clock fixed at NOW unless `now` is given. */
export function openChain(o: ChainOptions & { backend?: ChainBackend; params?: NetworkParams } = {}): Promise<ChainState> {
  const { backend = new MemoryChainBackend(), params = DEVNET, ...opts } = o;
  return ChainState.open(params, backend, { now: () => NOW, ...opts });
}

/** Where a block goes: an index entry, or `{hash, height, time}` (GENESIS_PARENT). */
export type Parent = BlockIndexEntry | { hash: Hash; height: number; time: number };

export interface NextBlock {
  txs?: Transaction[];
  /** coinbase claim; default subsidy + `fees` */
  claim?: bigint;
  fees?: bigint;
  /** default: the parent's time + 60 */
  time?: number;
  height?: number;
  /** the height written in the coinbase witness (default: the block's height) */
  cbHeight?: number;
  /** devnet account (or raw key) the coinbase pays; default account 0 */
  payTo?: number | Uint8Array;
  /** bytes after the height in the coinbase witness (a string or number as its UTF-8 text); default a counter, so equal blocks on one parent never collide */
  extra?: Uint8Array | string | number;
  params?: NetworkParams;
}

let extraCounter = 0;

const parentTime = (p: Parent) => ("header" in p ? p.header.time : p.time);

/** A solved block on `parent`. */
export function nextBlock(parent: Parent, o: NextBlock = {}): Block {
  const params = o.params ?? DEVNET;
  const height = o.height ?? parent.height + 1;
  const claim = o.claim ?? subsidyAt(height, params) + (o.fees ?? 0n);
  const extra = o.extra ?? `t${extraCounter++}`;
  return buildBlock(
    {
      prevHash: parent.hash,
      height: o.cbHeight ?? height,
      time: o.time ?? parentTime(parent) + 60,
      coinbaseOutputs: [out(claim, o.payTo ?? 0)],
      txs: o.txs ?? [],
      coinbaseExtra: extra instanceof Uint8Array ? extra : utf8(String(extra)),
    },
    params,
  );
}

/** A solved block holding `txs` on the chain's tip (or `o.parent`). */
export function blockOn(chain: ChainState, txs: Transaction[] = [], o: NextBlock & { parent?: Parent } = {}): Block {
  return nextBlock(o.parent ?? chain.tip, { ...o, txs });
}

/** Builds a block on the tip (or `o.parent`) and connects it; fails the test if the chain refuses it. */
export async function mine(chain: ChainState, txs: Transaction[] = [], o: NextBlock & { parent?: Parent } = {}): Promise<Block> {
  const block = blockOn(chain, txs, o);
  const r = await chain.submitBlock(block);
  if (!r.ok) throw new Error(`test block refused: ${r.reason}: ${r.detail ?? ""}`);
  return block;
}

/**
 * The UTXO set as one string: every coin encoded, sorted by outpoint. Two sets are
 * equal exactly when these strings are.
 */
export function snapshot(entries: Iterable<UtxoEntry>): string {
  const rows: string[] = [];
  for (const e of entries) rows.push(`${e.txid}:${e.vout.toString(16).padStart(8, "0")}:${bytesToHex(encodeCoin(e.coin))}`);
  rows.sort();
  return rows.join("\n");
}

export function copyUtxos(entries: Iterable<UtxoEntry>): MemoryUtxoSet {
  const s = new MemoryUtxoSet();
  for (const e of entries) s.add(e.txid, e.vout, { ...e.coin });
  return s;
}

/** The best chain's blocks from genesis, as verifyLedger reads them. */
export async function activeBlocks(chain: ChainState): Promise<{ height: number; block: Block }[]> {
  const blocks: { height: number; block: Block }[] = [];
  for (let h = 0; h <= chain.height; h++) {
    const e = chain.atHeight(h);
    if (!e) throw new Error(`no active block at height ${h}`);
    const block = await chain.getBlock(e.hash);
    if (!block) throw new Error(`active block ${e.hash} has no body`);
    blocks.push({ height: h, block });
  }
  return blocks;
}
