import type { Amount, Hash, Transaction } from "@utxolab/core";

/** A waiting transaction with its place among the other waiting ones. */
export interface MempoolEntry {
  readonly tx: Transaction;
  readonly txid: Hash;
  /** inputs minus outputs, exact */
  readonly fee: Amount;
  /** serialized bytes */
  readonly size: number;
  /** fee / size as a float: for display and logs; decisions compare fee and size exactly */
  readonly feeRate: number;
  /** unix seconds when it entered the pool (kept across a reorganization) */
  readonly time: number;
  /** the chain tip's height when it entered */
  readonly height: number;
  /** waiting transactions whose outputs it spends */
  readonly parents: ReadonlySet<Hash>;
  /** waiting transactions that spend its outputs */
  readonly children: ReadonlySet<Hash>;
  /** it and all its waiting ancestors */
  readonly ancestorCount: number;
  readonly ancestorFee: Amount;
  readonly ancestorSize: number;
  /** it and all its waiting descendants */
  readonly descendantCount: number;
  readonly descendantFee: Amount;
  readonly descendantSize: number;
}

/** The pool's own, mutable record; `seq` orders entries so that parents always come before children. */
export interface PoolEntry extends MempoolEntry {
  seq: number;
  parents: Set<Hash>;
  children: Set<Hash>;
  ancestorCount: number;
  ancestorFee: Amount;
  ancestorSize: number;
  descendantCount: number;
  descendantFee: Amount;
  descendantSize: number;
}

export type RemovalReason = "block" | "conflict" | "reorg" | "expired" | "evicted";

export interface MempoolListener {
  accepted?(e: MempoolEntry): void;
  removed?(e: MempoolEntry, why: RemovalReason): void;
}
