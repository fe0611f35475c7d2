import type { Hash } from "@utxolab/core";

/**
 * Txids confirmed in recent blocks with their heights, bounded (oldest out). Answers
 * "already known" for a transaction whose outputs are all spent already, and tells a
 * spent input (its parent is known) from an orphan's (its parent is not).
 */
export class RecentTxids {
  private readonly map = new Map<Hash, number>();

  constructor(private readonly capacity: number) {}

  add(id: Hash, height: number): void {
    this.map.delete(id);
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(id, height);
  }

  delete(id: Hash): void {
    this.map.delete(id);
  }

  heightOf(id: Hash): number | undefined {
    return this.map.get(id);
  }
}
