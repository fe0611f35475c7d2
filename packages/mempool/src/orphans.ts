import type { Hash, Transaction } from "@utxolab/core";

interface Orphan {
  tx: Transaction;
  txid: Hash;
  time: number;
  /** parent txids none of whose outputs were found */
  waitingOn: Hash[];
}

/**
 * Transactions from peers whose parents have not arrived yet. Bounded by count (the
 * oldest leaves first) and by age; each is tried again when a parent it waits on
 * enters the pool or a block.
 */
export class OrphanPool {
  private readonly byId = new Map<Hash, Orphan>();
  private readonly byParent = new Map<Hash, Set<Hash>>();

  constructor(
    private readonly max: number,
    private readonly expirySeconds: number,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: Hash): boolean {
    return this.byId.has(id);
  }

  /** Holds `tx` until one of `waitingOn` arrives; returns false when the pool holds no orphans at all. */
  add(tx: Transaction, id: Hash, waitingOn: Hash[], time: number): boolean {
    if (this.max === 0) return false;
    if (this.byId.has(id)) return true;
    while (this.byId.size >= this.max) {
      const oldest = this.byId.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
    }
    this.byId.set(id, { tx, txid: id, time, waitingOn });
    for (const p of waitingOn) {
      let s = this.byParent.get(p);
      if (!s) {
        s = new Set();
        this.byParent.set(p, s);
      }
      s.add(id);
    }
    return true;
  }

  remove(id: Hash): Transaction | undefined {
    const o = this.byId.get(id);
    if (!o) return undefined;
    this.byId.delete(id);
    for (const p of o.waitingOn) {
      const s = this.byParent.get(p);
      s?.delete(id);
      if (s?.size === 0) this.byParent.delete(p);
    }
    return o.tx;
  }

  /** Takes out every orphan waiting on `parent`, oldest first, for another try. */
  takeChildrenOf(parent: Hash): Orphan[] {
    const ids = this.byParent.get(parent);
    if (!ids) return [];
    const out: Orphan[] = [];
    for (const id of [...ids]) {
      const o = this.byId.get(id);
      if (o && this.remove(id)) out.push(o);
    }
    return out;
  }

  /** Drops orphans older than the expiry; returns their txids. */
  expire(now: number): Hash[] {
    const out: Hash[] = [];
    for (const o of [...this.byId.values()]) {
      if (now - o.time > this.expirySeconds) {
        this.remove(o.txid);
        out.push(o.txid);
      }
    }
    return out;
  }
}
