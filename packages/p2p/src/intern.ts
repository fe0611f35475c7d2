import type { Hash } from "@utxolab/core";

/**
 * One copy of each recent hash string for the whole process. Every message parsed from a
 * peer brings its hashes as new strings (64 characters, about 90 bytes each), and each peer
 * remembers thousands of them (`headerSet`, `knownInv`, `lacks`): with 8 peers a node kept
 * 8 copies of every block hash, and a simulation of 1,000 nodes 8,000 (most of a long run's
 * heap: docs/simulation.md). Strings are values, so handing out an equal one changes nothing
 * but memory.
 *
 * Bounded: two generations of at most INTERN_CAPACITY entries each; when the newer is full it
 * becomes the older and the oldest is dropped, so a flood of random hashes costs at most that
 * many entries and only loses sharing. A hit in the older generation moves to the newer.
 */
export const INTERN_CAPACITY = 20_000;

let newer = new Map<string, Hash>();
let older = new Map<string, Hash>();

export function internHash(h: Hash): Hash {
  const hit = newer.get(h);
  if (hit !== undefined) return hit;
  const kept = older.get(h) ?? h;
  if (newer.size >= INTERN_CAPACITY) {
    older = newer;
    newer = new Map();
  }
  newer.set(kept, kept);
  return kept;
}

/** Entries held now (tests check the bound). */
export const internedCount = (): number => newer.size + older.size;
