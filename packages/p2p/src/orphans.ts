import type { Block, Hash } from "@utxolab/core";
import type { Peer } from "./peer.js";

export interface Orphan {
  hash: Hash;
  block: Block;
  raw: Uint8Array;
  from: Peer;
  /** we asked for it (sync throttles on these); unasked orphans are not re-requested when dropped */
  requested?: boolean;
}

/**
 * Memory a received block holds: its raw bytes plus the decoded objects, which cost
 * several times the wire size (a block of 24,000 outputs decodes to tens of MB). Counting
 * raw bytes only let 72 MB "of orphans" reach 1.15 GB RSS (issue 12, attack 6).
 */
export function estimateBlockMemory(block: Block, raw: Uint8Array): number {
  let n = raw.length + 1_000;
  for (const tx of block.txs) n += 400 + tx.inputs.length * 400 + tx.outputs.length * 250;
  return n;
}

/**
 * Blocks whose parent has not arrived yet: blocks from several peers arrive out
 * of order, and an announced block may be the first we hear of a branch.
 * Bounded in count and bytes; the oldest leaves first (it is fetched again later).
 */
export class OrphanPool {
  private readonly byHash = new Map<Hash, Orphan & { mem: number }>();
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

  /** Holds `o`; returns the orphans it pushed out (or `o` itself if it does not fit), so they can be fetched again. */
  add(o: Orphan): Orphan[] {
    if (this.byHash.has(o.hash)) return [];
    const mem = estimateBlockMemory(o.block, o.raw);
    if (mem > this.maxBytes) return [o];
    this.byHash.set(o.hash, { ...o, mem });
    this.bytes += mem;
    if (o.requested) this.requestedCount++;
    const out: Orphan[] = [];
    while (this.byHash.size > this.maxCount || this.bytes > this.maxBytes) {
      const oldest = this.byHash.values().next();
      if (oldest.done) break;
      out.push(oldest.value);
      this.remove(oldest.value.hash);
    }
    return out;
  }

  /** orphans we asked for: the download runs at most this far ahead of the chain */
  requestedCount = 0;

  private remove(hash: Hash): void {
    const o = this.byHash.get(hash);
    if (!o) return;
    this.byHash.delete(hash);
    this.bytes -= o.mem;
    if (o.requested) this.requestedCount--;
  }

  /** estimated memory held */
  get memory(): number {
    return this.bytes;
  }

  /** A peer was banned or left: what it sent is not worth the memory. */
  dropFrom(peer: Peer): Orphan[] {
    const out = [...this.byHash.values()].filter((o) => o.from === peer);
    for (const o of out) this.remove(o.hash);
    return out;
  }

  /** Removes and returns the orphans whose parent is `parent`. */
  takeChildren(parent: Hash): Orphan[] {
    const out: (Orphan & { mem: number })[] = [];
    for (const o of this.byHash.values()) if (o.block.header.prevHash === parent) out.push(o);
    for (const o of out) this.remove(o.hash);
    return out;
  }
}
