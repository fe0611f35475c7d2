import { type BlockIndexEntry, type Hash, isCoinbase, type Transaction } from "@utxolab/core";
import type { MempoolEntry } from "@utxolab/mempool";
import type { ChainIndex, TxLocation } from "./chainindex.js";
import type { ChainReader, PoolReader } from "./parts.js";

/**
 * Questions about transactions and blocks that the RPC and the web page both answer:
 * one place, so the two can never disagree (they once gave -1 and 0 for the same block).
 */
export interface TxSource {
  readonly chain: ChainReader;
  readonly mempool: PoolReader;
  readonly index: ChainIndex;
}

/** A transaction waiting in the pool, or one of the best chain with where it sits. */
export type FoundTx =
  | { readonly tx: Transaction; readonly pooled: MempoolEntry; readonly at?: undefined }
  | { readonly tx: Transaction; readonly at: TxLocation; readonly pooled?: undefined };

/**
 * As Core: a block of the best chain counts itself and those above it; a block off the best chain is -1.
 * `active` may be given when the caller read it earlier, so one answer describes one moment of the chain.
 */
export function blockConfirmations(chain: ChainReader, e: BlockIndexEntry, active = chain.isActive(e)): number {
  return active ? chain.height - e.height + 1 : -1;
}

/** A transaction in a block has its block's confirmations; one waiting in the pool (no block) has 0. */
export function txConfirmations(chain: ChainReader, at: { readonly block: Hash } | undefined): number {
  const e = at ? chain.getEntry(at.block) : undefined;
  return e ? blockConfirmations(chain, e) : 0;
}

/** Looks in the pool first, then the best chain's transaction index. */
export async function findTx(src: TxSource, id: Hash): Promise<FoundTx | undefined> {
  const pooled = src.mempool.get(id);
  if (pooled) return { tx: pooled.tx, pooled };
  const at = src.index.txs.get(id);
  if (!at) return undefined;
  const tx = (await src.chain.getBlock(at.block))?.txs[at.index];
  return tx ? { tx, at } : undefined;
}

export interface TxAmounts {
  readonly valueOut: bigint;
  /** undefined for a coinbase, or when any spent coin is unknown */
  readonly valueIn?: bigint;
  readonly fee?: bigint;
}

/** What a transaction takes in, pays out and leaves as fee, given the coins its inputs spend (in input order). */
export function txAmounts(tx: Transaction, spent: readonly ({ readonly value: bigint } | undefined)[]): TxAmounts {
  let valueOut = 0n;
  for (const o of tx.outputs) valueOut += o.value;
  if (isCoinbase(tx)) return { valueOut };
  let valueIn = 0n;
  for (let k = 0; k < tx.inputs.length; k++) {
    const c = spent[k];
    if (!c) return { valueOut };
    valueIn += c.value;
  }
  return { valueOut, valueIn, fee: valueIn - valueOut };
}
