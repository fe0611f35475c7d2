import type { Amount, Hash, Transaction } from "@utxolab/core";
import type { PoolEntry } from "./entry.js";
import { compareRate } from "./feerate.js";
import type { TxGraph } from "./graph.js";
import { Heap } from "./heap.js";

export interface BlockTemplate {
  /** in block order: every parent before its children */
  txs: Transaction[];
  /** exact sum of the chosen transactions' fees: the coinbase may claim subsidy + this */
  fees: Amount;
  /** serialized bytes of `txs` (no header, count or coinbase) */
  size: number;
}

/** An entry's package as it stands: itself plus its ancestors not yet in the block. */
interface Candidate {
  e: PoolEntry;
  fee: bigint;
  size: number;
  version: number;
}

/**
 * Chooses transactions by ancestor fee rate: each step takes the waiting transaction
 * whose not-yet-chosen ancestors plus itself pay the most per byte, and adds that whole
 * package, parents first. A child paying for its parent (CPFP) lifts the pair. When a
 * package is chosen, its descendants' packages shrink and they are scored again. A
 * package that does not fit the bytes left is passed over; smaller ones may still fit.
 */
export function selectTemplate(graph: TxGraph, budget: number, sigBudget = Number.POSITIVE_INFINITY): BlockTemplate {
  const state = new Map<Hash, Candidate>();
  const heap = new Heap<Candidate>((a, b) => {
    const c = compareRate(a.fee, a.size, b.fee, b.size);
    if (c !== 0) return c > 0;
    return a.e.seq < b.e.seq;
  });
  for (const e of graph.byId.values()) {
    const c = { e, fee: e.ancestorFee as bigint, size: e.ancestorSize, version: 0 };
    state.set(e.txid, c);
    heap.push(c);
  }
  const chosen = new Set<Hash>();
  const txs: Transaction[] = [];
  let fees = 0n;
  let used = 0;
  let sigs = 0;
  for (let c = heap.pop(); c; c = heap.pop()) {
    const cur = state.get(c.e.txid) as Candidate;
    if (chosen.has(c.e.txid) || cur.version !== c.version) continue;
    if (used + c.size > budget) continue;
    const pkg = [c.e, ...[...graph.ancestorsFrom(c.e.parents)].filter((a) => !chosen.has(a.txid))].sort((a, b) => a.seq - b.seq);
    let pkgSigs = 0;
    for (const p of pkg) pkgSigs += p.tx.inputs.length;
    if (sigs + pkgSigs > sigBudget) continue;
    sigs += pkgSigs;
    for (const p of pkg) {
      chosen.add(p.txid);
      txs.push(p.tx);
      fees += p.fee;
      used += p.size;
    }
    for (const p of pkg) {
      for (const d of graph.descendants(p)) {
        if (chosen.has(d.txid)) continue;
        const old = state.get(d.txid) as Candidate;
        const next = { e: d, fee: old.fee - p.fee, size: old.size - p.size, version: old.version + 1 };
        state.set(d.txid, next);
        heap.push(next);
      }
    }
  }
  return { txs, fees: fees as Amount, size: used };
}
