import { POLICY } from "@utxolab/core";
/** Policy knobs of the pool. Every one has the SPEC §7 default; tests and the node may tighten them. */
export interface MempoolOptions {
  /** units per byte a transaction must pay at least (default 1n) */
  minRelayFeeRate?: bigint;
  /** smallest output value relayed, in units (default 546n) */
  dustLimit?: bigint;
  /** total serialized bytes of waiting transactions (default 100 MB) */
  maxBytes?: number;
  /** largest transaction relayed, in bytes (default 100,000) */
  maxTxSize?: number;
  /** unconfirmed ancestors of a transaction, counting itself (default 25) */
  maxAncestors?: number;
  /** unconfirmed descendants of any waiting transaction, counting itself (default 25) */
  maxDescendants?: number;
  /** a transaction that waited longer than this leaves with its descendants (default 14 days) */
  expirySeconds?: number;
  /**
   * signatures one transaction may ask the pool to verify (default 500): refused before any
   * signature work, so a 980-input transaction with one bad signature at the end costs
   * nothing (issue 12, attack 1). Every input carries one.
   */
  maxTxSigs?: number;
  /** signatures in one block template (default 2,000): the miner's per-block budget */
  maxBlockSigs?: number;
  /** transactions with unknown parents held for peers (default 100) */
  maxOrphans?: number;
  /** estimated memory of the held orphans, decoded objects included (default 5,000,000 bytes) */
  maxOrphanBytes?: number;
  /** how long an orphan waits for its parents (default 20 minutes) */
  orphanExpirySeconds?: number;
  /** unix seconds */
  now?: () => number;
  /** a pool listener threw: the pool stays consistent and reports it here (default console.error) */
  onListenerError?: (err: unknown) => void;
}

export type ResolvedOptions = Required<MempoolOptions>;

export const DEFAULTS = Object.freeze({
  minRelayFeeRate: POLICY.minRelayFeeRate,
  dustLimit: POLICY.dustLimit as bigint,
  maxBytes: 100_000_000,
  maxTxSize: POLICY.maxTxSize,
  maxAncestors: 25,
  maxDescendants: 25,
  expirySeconds: 14 * 24 * 60 * 60,
  maxTxSigs: POLICY.maxTxSigs,
  maxBlockSigs: POLICY.maxBlockSigs,
  maxOrphans: 100,
  maxOrphanBytes: 5_000_000,
  orphanExpirySeconds: 20 * 60,
});

function requireCount(name: string, v: number, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`mempool option ${name} must be a whole number >= ${min}, got ${v}`);
  return v;
}

/** Options are set by code, not by peers: a nonsensical one is a programming error and throws at construction. */
export function resolveOptions(o: MempoolOptions): ResolvedOptions {
  const minRelayFeeRate = o.minRelayFeeRate ?? DEFAULTS.minRelayFeeRate;
  const dustLimit = o.dustLimit ?? DEFAULTS.dustLimit;
  if (typeof minRelayFeeRate !== "bigint" || minRelayFeeRate < 0n) {
    throw new RangeError(`mempool option minRelayFeeRate must be a bigint >= 0n units per byte, got ${String(minRelayFeeRate)}`);
  }
  if (typeof dustLimit !== "bigint" || dustLimit < 0n) {
    throw new RangeError(`mempool option dustLimit must be a bigint >= 0n units, got ${String(dustLimit)}`);
  }
  return {
    minRelayFeeRate,
    dustLimit,
    maxBytes: requireCount("maxBytes", o.maxBytes ?? DEFAULTS.maxBytes, 0),
    maxTxSize: requireCount("maxTxSize", o.maxTxSize ?? DEFAULTS.maxTxSize, 1),
    maxAncestors: requireCount("maxAncestors", o.maxAncestors ?? DEFAULTS.maxAncestors, 1),
    maxDescendants: requireCount("maxDescendants", o.maxDescendants ?? DEFAULTS.maxDescendants, 1),
    expirySeconds: requireCount("expirySeconds", o.expirySeconds ?? DEFAULTS.expirySeconds, 0),
    maxTxSigs: requireCount("maxTxSigs", o.maxTxSigs ?? DEFAULTS.maxTxSigs, 1),
    maxBlockSigs: requireCount("maxBlockSigs", o.maxBlockSigs ?? DEFAULTS.maxBlockSigs, 1),
    maxOrphans: requireCount("maxOrphans", o.maxOrphans ?? DEFAULTS.maxOrphans, 0),
    maxOrphanBytes: requireCount("maxOrphanBytes", o.maxOrphanBytes ?? DEFAULTS.maxOrphanBytes, 0),
    orphanExpirySeconds: requireCount("orphanExpirySeconds", o.orphanExpirySeconds ?? DEFAULTS.orphanExpirySeconds, 0),
    now: o.now ?? (() => Math.floor(Date.now() / 1000)),
    onListenerError: o.onListenerError ?? ((err) => console.error("mempool listener failed:", err)),
  };
}
