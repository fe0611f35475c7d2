import type { Hash } from "./hash.js";

/**
 * Txids whose every signature has verified. A txid commits to the signatures and
 * the outpoints, and an outpoint names one output whose value and key are fixed
 * by its txid, so the same txid always checks the same messages under the same
 * keys: a hit means the exact same checks already passed. Bounded, oldest out.
 */
export class SigCache {
  private readonly set = new Set<Hash>();

  constructor(readonly capacity = 200_000) {}

  has(id: Hash): boolean {
    return this.set.has(id);
  }

  add(id: Hash): void {
    if (this.set.has(id)) return;
    if (this.set.size >= this.capacity) {
      const oldest = this.set.values().next();
      if (!oldest.done) this.set.delete(oldest.value);
    }
    this.set.add(id);
  }

  get size(): number {
    return this.set.size;
  }
}
