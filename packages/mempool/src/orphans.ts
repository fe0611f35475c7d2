import type { Hash, Transaction } from "@utxolab/core";

interface Orphan {
  tx: Transaction;
  txid: Hash;
  time: number;
  /** estimated heap bytes: see estimateTxMemory */
  mem: number;
  /** parent txids none of whose outputs were found */
  waitingOn: Hash[];
}

/**
 * What a decoded transaction costs in memory, not on the wire: every input is an object
 * with a txid string and a 64-byte signature array, every output an object with a bigint
 * and a 32-byte key array, and each JS object and typed array carries its own header. The
 * raw size undercounts this several times over (issue 12, attack 6: orphans counted at
 * raw bytes reached 430 MB of heap). Conservative round numbers measured with
 * `process.memoryUsage()` on Node 20.
 */
export function estimateTxMemory(tx: Transaction): number {
  return 400 + tx.inputs.length * 400 + tx.outputs.length * 250;
}

/**
 * Transactions from peers whose parents have not arrived yet. Bounded by count, by
 * estimated memory (the oldest leaves first) and by age; each is tried again when a
 * parent it waits on enters the pool or a block.
 */
export class OrphanPool {
  private readonly byId = new Map<Hash, Orphan>();
  private readonly byParent = new Map<Hash, Set<Hash>>();
  private mem = 0;

  constructor(
    private readonly max: number,
    private readonly expirySeconds: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** estimated memory of the held orphans */
  get bytes(): number {
    return this.mem;
  }

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
    const mem = estimateTxMemory(tx);
    if (mem > this.maxBytes) return false;
    while (this.byId.size >= this.max || this.mem + mem > this.maxBytes) {
      const oldest = this.byId.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
    }
    this.byId.set(id, { tx, txid: id, time, waitingOn, mem });
    this.mem += mem;
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
    this.mem -= o.mem;
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
