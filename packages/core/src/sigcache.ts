import { BoundedSet } from "./boundedset.js";
import type { Hash } from "./hash.js";

/**
 * Txids whose every signature has verified. A txid commits to the signatures and
 * the outpoints, and an outpoint names one output whose value and key are fixed
 * by its txid, so the same txid always checks the same messages under the same
 * keys: a hit means the exact same checks already passed. Bounded, oldest out.
 */
export class SigCache extends BoundedSet<Hash> {
  constructor(capacity = 200_000) {
    super(capacity);
  }
}
