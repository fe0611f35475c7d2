import type { Block } from "./block.js";
import { bytesToHex, equalBytes } from "./bytes.js";
import { genesisBlock } from "./genesis.js";
import type { NetworkParams } from "./params.js";
import { subsidyAt } from "./params.js";
import { outpointKey, txid } from "./transaction.js";
import type { Coin, CoinView, UtxoEntry } from "./utxo.js";

/** Genesis allocation plus every subsidy up to `height`: what the supply may never exceed. */
export function expectedMaxSupply(height: number, params: NetworkParams): bigint {
  let s = 0n;
  for (const o of genesisBlock(params).txs[0].outputs) s += o.value;
  for (let h = 1; h <= height; h++) s += subsidyAt(h, params);
  return s;
}

export interface LedgerReport {
  height: number;
  utxos: number;
  supply: bigint;
  expectedMaxSupply: bigint;
  negative: number;
  ok: boolean;
  problems: string[];
}

/** A UTXO set that can be looked up, so the comparison needs no copy of it. */
export type LiveUtxos = CoinView & { entries(): Iterable<UtxoEntry> };

const isCoinView = (x: unknown): x is LiveUtxos => typeof (x as CoinView).getCoin === "function";

const sameCoin = (a: Coin, b: Coin) =>
  a.value === b.value && a.height === b.height && a.coinbase === b.coinbase && equalBytes(a.pubkey, b.pubkey);

const coinKey = (e: UtxoEntry) =>
  `${e.txid}:${e.vout}:${e.coin.value}:${bytesToHex(e.coin.pubkey)}:${e.coin.height}:${e.coin.coinbase ? 1 : 0}`;

/**
 * Applies one block to a UTXO set rebuilt by replay (keys `txid:vout`): spends its
 * inputs, adds its outputs. No rule is checked; returns the outpoints the block spent
 * that were not in the set (a replay of a valid chain returns none).
 */
export function replayBlock(coins: Map<string, UtxoEntry>, block: Block, height: number): string[] {
  const missing: string[] = [];
  for (let t = 0; t < block.txs.length; t++) {
    const tx = block.txs[t];
    if (t > 0) {
      for (const i of tx.inputs) {
        const k = outpointKey(i.prevTxid, i.vout);
        if (!coins.delete(k)) missing.push(k);
      }
    }
    const id = txid(tx);
    for (let v = 0; v < tx.outputs.length; v++) {
      const o = tx.outputs[v];
      coins.set(outpointKey(id, v), { txid: id, vout: v, coin: { value: o.value, pubkey: o.pubkey, height, coinbase: t === 0 } });
    }
  }
  return missing;
}

/**
 * Replays the best chain's blocks from genesis into a fresh set and compares it,
 * coin by coin, with the live UTXO set. The replay trusts no stored state.
 */
export async function verifyLedger(
  blocks: AsyncIterable<{ height: number; block: Block }> | Iterable<{ height: number; block: Block }>,
  live: Iterable<UtxoEntry> | LiveUtxos,
  params: NetworkParams,
): Promise<LedgerReport> {
  const rebuilt = new Map<string, UtxoEntry>();
  const problems: string[] = [];
  let height = -1;
  for await (const { height: h, block } of blocks) {
    if (h !== height + 1) problems.push(`block at height ${h} follows height ${height}`);
    height = h;
    for (const k of replayBlock(rebuilt, block, h)) problems.push(`height ${h}: ${k} spent but not unspent`);
  }
  let supply = 0n;
  let negative = 0;
  let liveCount = 0;
  let mismatched = 0;
  if (isCoinView(live)) {
    // Compare through lookups: no second copy of a large set in memory.
    for (const e of live.entries()) {
      liveCount++;
      if (e.coin.value < 0n) negative++;
      supply += e.coin.value;
    }
    for (const e of rebuilt.values()) {
      const c = live.getCoin(e.txid, e.vout);
      if (!c || !sameCoin(c, e.coin)) mismatched++;
    }
  } else {
    const liveKeys = new Set<string>();
    for (const e of live) {
      liveCount++;
      if (e.coin.value < 0n) negative++;
      supply += e.coin.value;
      liveKeys.add(coinKey(e));
    }
    for (const e of rebuilt.values()) if (!liveKeys.has(coinKey(e))) mismatched++;
  }
  if (mismatched > 0 || rebuilt.size !== liveCount) {
    problems.push(`live UTXO set (${liveCount} coins) differs from the replay (${rebuilt.size} coins, ${mismatched} not found live)`);
  }
  const max = expectedMaxSupply(Math.max(height, 0), params);
  if (supply > max) problems.push(`supply ${supply} exceeds the allowed ${max}`);
  if (negative > 0) problems.push(`${negative} coins have a negative value`);
  if (genesisBlock(params) && height < 0) problems.push("no blocks replayed");
  return { height, utxos: liveCount, supply, expectedMaxSupply: max, negative, ok: problems.length === 0, problems };
}
