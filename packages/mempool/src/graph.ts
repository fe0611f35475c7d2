import { type Amount, type Hash, outpointKey, type Transaction } from "@utxolab/core";
import type { PoolEntry } from "./entry.js";
import { rateForDisplay } from "./feerate.js";

const add = (a: Amount, b: bigint): Amount => (a + b) as Amount;
const sub = (a: Amount, b: bigint): Amount => (a - b) as Amount;

/**
 * The waiting transactions as a graph: who spends whose outputs, which outpoints are
 * taken, and each entry's ancestor and descendant totals kept exact on every change.
 * Entries are removed only as a leaf (no waiting children) or a root (no waiting
 * parents): removing one from the middle of a chain would leave its descendants
 * counting ancestors they no longer have, so callers remove descendants first.
 */
export class TxGraph {
  readonly byId = new Map<Hash, PoolEntry>();
  /** outpoint key → the waiting transaction that spends it */
  readonly spentBy = new Map<string, Hash>();
  private total = 0;
  private nextSeq = 0;

  get size(): number {
    return this.byId.size;
  }

  /** serialized bytes of every waiting transaction */
  get bytes(): number {
    return this.total;
  }

  get(id: Hash): PoolEntry | undefined {
    return this.byId.get(id);
  }

  /** A record for a transaction about to enter; `insert` links it. */
  newEntry(tx: Transaction, id: Hash, fee: Amount, size: number, time: number, height: number): PoolEntry {
    return {
      tx,
      txid: id,
      fee,
      size,
      feeRate: rateForDisplay(fee, size),
      time,
      height,
      seq: this.nextSeq++,
      parents: new Set(),
      children: new Set(),
      ancestorCount: 1,
      ancestorFee: fee,
      ancestorSize: size,
      descendantCount: 1,
      descendantFee: fee,
      descendantSize: size,
    };
  }

  /** Waiting transactions whose outputs `tx` spends. */
  parentsOf(tx: Transaction): Set<Hash> {
    const out = new Set<Hash>();
    for (const i of tx.inputs) if (this.byId.has(i.prevTxid)) out.add(i.prevTxid);
    return out;
  }

  /** Every waiting ancestor reachable from these parents (the parents included). */
  ancestorsFrom(parents: Iterable<Hash>): Set<PoolEntry> {
    const seen = new Set<PoolEntry>();
    const stack = [...parents];
    while (stack.length > 0) {
      const e = this.byId.get(stack.pop() as Hash);
      if (!e || seen.has(e)) continue;
      seen.add(e);
      for (const p of e.parents) stack.push(p);
    }
    return seen;
  }

  /** Every waiting descendant of `e` (not `e` itself). */
  descendants(e: PoolEntry): Set<PoolEntry> {
    const seen = new Set<PoolEntry>();
    const stack = [...e.children];
    while (stack.length > 0) {
      const d = this.byId.get(stack.pop() as Hash);
      if (!d || seen.has(d)) continue;
      seen.add(d);
      for (const c of d.children) stack.push(c);
    }
    return seen;
  }

  /**
   * Links an entry whose in-pool parents are all present and none of whose children are:
   * a new transaction, or one put back in `seq` order after a trial eviction.
   */
  insert(e: PoolEntry): void {
    e.parents = this.parentsOf(e.tx);
    e.children = new Set();
    const anc = this.ancestorsFrom(e.parents);
    e.ancestorCount = anc.size + 1;
    e.ancestorFee = e.fee;
    e.ancestorSize = e.size;
    for (const a of anc) {
      e.ancestorFee = add(e.ancestorFee, a.fee);
      e.ancestorSize += a.size;
      a.descendantCount++;
      a.descendantFee = add(a.descendantFee, e.fee);
      a.descendantSize += e.size;
    }
    e.descendantCount = 1;
    e.descendantFee = e.fee;
    e.descendantSize = e.size;
    for (const p of e.parents) this.byId.get(p)?.children.add(e.txid);
    for (const i of e.tx.inputs) this.spentBy.set(outpointKey(i.prevTxid, i.vout), e.txid);
    this.byId.set(e.txid, e);
    this.total += e.size;
  }

  /** Links an entry again under a fresh `seq`, after everything now before it (a rebuild after a reorganization). */
  reenter(e: PoolEntry): void {
    e.seq = this.nextSeq++;
    this.insert(e);
  }

  /** Removes a leaf or a root, keeping every other entry's totals exact. */
  private removeOne(e: PoolEntry): void {
    if (e.parents.size > 0 && e.children.size > 0) {
      throw new Error(`mempool: ${e.txid} has waiting parents and children; remove its descendants first`);
    }
    for (const a of this.ancestorsFrom(e.parents)) {
      a.descendantCount--;
      a.descendantFee = sub(a.descendantFee, e.fee);
      a.descendantSize -= e.size;
    }
    for (const d of this.descendants(e)) {
      d.ancestorCount--;
      d.ancestorFee = sub(d.ancestorFee, e.fee);
      d.ancestorSize -= e.size;
    }
    for (const p of e.parents) this.byId.get(p)?.children.delete(e.txid);
    for (const c of e.children) this.byId.get(c)?.parents.delete(e.txid);
    for (const i of e.tx.inputs) {
      const k = outpointKey(i.prevTxid, i.vout);
      if (this.spentBy.get(k) === e.txid) this.spentBy.delete(k);
    }
    this.byId.delete(e.txid);
    this.total -= e.size;
  }

  /**
   * Removes `e` and everything that descends from it, children before parents
   * (a higher `seq` is never an ancestor), and returns them in that order.
   */
  removeWithDescendants(e: PoolEntry): PoolEntry[] {
    if (!this.byId.has(e.txid)) return [];
    const all = [e, ...this.descendants(e)].sort((a, b) => b.seq - a.seq);
    for (const x of all) this.removeOne(x);
    return all;
  }

  /**
   * Removes a transaction a block confirmed; its descendants stay, one ancestor shorter.
   * A valid block confirms waiting parents before their children, so `e` is normally a
   * root; otherwise its descendants are lifted out and linked again without it.
   */
  removeConfirmed(e: PoolEntry): void {
    if (!this.byId.has(e.txid)) return;
    if (e.parents.size === 0) {
      this.removeOne(e);
      return;
    }
    const rest = this.removeWithDescendants(e).filter((x) => x !== e);
    for (const x of rest.reverse()) this.insert(x);
  }

  /** Empties the graph and returns the entries, parents first. */
  clear(): PoolEntry[] {
    const all = [...this.byId.values()].sort((a, b) => a.seq - b.seq);
    this.byId.clear();
    this.spentBy.clear();
    this.total = 0;
    return all;
  }

  /** Entries, parents before children. */
  ordered(): PoolEntry[] {
    return [...this.byId.values()].sort((a, b) => a.seq - b.seq);
  }
}
