import { type Amount, type Hash, subsidyAt, type Transaction } from "@utxolab/core";
import type { Clock } from "./clock.js";
import type { ChainReader, PoolReader } from "./parts.js";

/** What the next block is built from: the miner mines it, getblocktemplate shows it. */
export interface NextBlock {
  readonly height: number;
  readonly prevHash: Hash;
  readonly bits: number;
  /** now in whole seconds, but never at or below the median time past (the block would be refused) */
  readonly time: number;
  readonly minTime: number;
  /** the pool's choice, parents first */
  readonly txs: readonly Transaction[];
  readonly fees: Amount;
  readonly subsidy: Amount;
  /** what the coinbase may claim: subsidy + fees */
  readonly coinbaseValue: Amount;
}

/** What a template is built from: the chain's tip, the pool's choice, the node's clock (whole seconds). */
export interface TemplateSource extends Clock {
  readonly chain: ChainReader;
  readonly mempool: PoolReader;
}

/** Bytes kept free in a block for the coinbase. */
const COINBASE_RESERVE = 1000;

/** One template for the next block on the current tip, shared by the miner and getblocktemplate. */
export function template(src: TemplateSource): NextBlock {
  const { chain, mempool } = src;
  const tip = chain.tip;
  const height = tip.height + 1;
  const params = chain.params;
  const tpl = mempool.template({ maxBlockSize: params.maxBlockSize, coinbaseReserve: COINBASE_RESERVE });
  const subsidy = subsidyAt(height, params);
  const minTime = chain.medianTimePast(tip) + 1;
  return {
    height,
    prevHash: tip.hash,
    bits: params.bits,
    time: Math.max(src.now(), minTime),
    minTime,
    txs: tpl.txs,
    fees: tpl.fees,
    subsidy,
    coinbaseValue: (subsidy + tpl.fees) as Amount,
  };
}
