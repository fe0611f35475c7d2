import type { Block, Hash } from "@utxolab/core";
import type { Peer } from "./peer.js";

export interface Orphan {
  hash: Hash;
  block: Block;
  raw: Uint8Array;
  from: Peer;
}

/**
 * Blocks whose parent has not arrived yet: blocks from several peers arrive out
 * of order, and an announced block may be the first we hear of a branch.
 * Bounded in count and bytes; the oldest leaves first (it is fetched again later).
 */
export class OrphanPool {
  private readonly byHash = new Map<Hash, Orphan>();
  private bytes = 0;

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
  ) {}

  has(hash: Hash): boolean {
    return this.byHash.has(hash);
  }

  get size(): number {
    return this.byHash.size;
  }

  add(o: Orphan): void {
    if (this.byHash.has(o.hash)) return;
    this.byHash.set(o.hash, o);
    this.bytes += o.raw.length;
    while (this.byHash.size > this.maxCount || this.bytes > this.maxBytes) {
      const oldest = this.byHash.values().next();
      if (oldest.done) break;
      this.remove(oldest.value.hash);
    }
  }

  private remove(hash: Hash): void {
    const o = this.byHash.get(hash);
    if (!o) return;
    this.byHash.delete(hash);
    this.bytes -= o.raw.length;
  }

  /** Removes and returns the orphans whose parent is `parent`. */
  takeChildren(parent: Hash): Orphan[] {
    const out: Orphan[] = [];
    for (const o of this.byHash.values()) if (o.block.header.prevHash === parent) out.push(o);
    for (const o of out) this.remove(o.hash);
    return out;
  }
}
