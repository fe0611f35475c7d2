import { type Block, isMoneyRange, type NetworkParams, verifyLedger } from "@utxolab/core";
import type { SimNode } from "./simnode.js";

export interface InvariantReport {
  ok: boolean;
  problems: string[];
  /** the common tip, when there is one */
  tip?: string;
  height?: number;
}

async function* activeBlocks(node: SimNode): AsyncIterable<{ height: number; block: Block }> {
  const c = node.chain;
  for (let h = 0; h <= c.height; h++) {
    const e = c.atHeight(h);
    if (!e) throw new Error(`node ${node.id}: no block at height ${h} of its best chain`);
    const block = await c.getBlock(e.hash);
    if (!block) throw new Error(`node ${node.id}: block ${e.hash} at height ${h} is missing from its store`);
    yield { height: h, block };
  }
}

/**
 * What must hold at the end of every run, whatever the faults were:
 * - every running node is on the same chain, and no node knows a valid block with more work;
 * - each node's UTXO set equals a replay of its best chain from genesis (core's verifyLedger),
 *   and its store's tip and the coins a restart rebuilds from it are the same;
 * - no coin is below 0 or above MAX_MONEY;
 * - the supply is at most the schedule (genesis allocation plus subsidies) at that height.
 */
export async function checkInvariants(nodes: readonly SimNode[], params: NetworkParams): Promise<InvariantReport> {
  const problems: string[] = [];
  const alive = nodes.filter((n) => n.alive);
  if (alive.length === 0) return { ok: false, problems: ["no node is running"] };
  const tip = alive[0].chain.tip;
  for (const n of alive) {
    const t = n.chain.tip;
    if (t.hash !== tip.hash)
      problems.push(
        `node ${n.id} is on ${t.hash.slice(0, 12)} (height ${t.height}), node ${alive[0].id} on ${tip.hash.slice(0, 12)} (height ${tip.height})`,
      );
    for (const e of n.chain.index.values()) {
      if (e.status !== "invalid" && e.hasData && e.chainWork > t.chainWork) {
        problems.push(`node ${n.id} holds block ${e.hash.slice(0, 12)} with more work than its tip`);
        break;
      }
    }
  }
  for (const n of alive) {
    const r = await verifyLedger(activeBlocks(n), n.chain.utxos, params);
    for (const p of r.problems) problems.push(`node ${n.id}: ${p}`);
    let outOfRange = 0;
    for (const e of n.chain.utxos.entries()) if (!isMoneyRange(e.coin.value)) outOfRange++;
    if (outOfRange > 0) problems.push(`node ${n.id}: ${outOfRange} coins outside 0..MAX_MONEY`);
    // what a restart would load: the store's tip, and the coins rebuilt from it
    const stored = await n.backend.load();
    let storeMismatch = 0;
    let storedCount = 0;
    for (const e of stored?.coins ?? []) {
      storedCount++;
      const live = n.chain.utxos.getCoin(e.txid, e.vout);
      if (!live || live.value !== e.coin.value) storeMismatch++;
    }
    if (stored?.tip !== n.chain.tip.hash)
      problems.push(`node ${n.id}: its store's tip is ${stored?.tip ?? "none"}, its chain's ${n.chain.tip.hash}`);
    if (storeMismatch > 0 || storedCount !== r.utxos) {
      problems.push(`node ${n.id}: a restart would load ${storedCount} coins, its UTXO set has ${r.utxos} (${storeMismatch} differ)`);
    }
  }
  return { ok: problems.length === 0, problems, tip: tip.hash, height: tip.height };
}
