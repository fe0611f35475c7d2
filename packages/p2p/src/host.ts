import { type Block, type BlockHeader, type Hash, reasonInfo, type Transaction } from "@utxolab/core";

export type BlockSubmit =
  | { ok: true; active: boolean }
  | {
      ok: false;
      reason: string;
      detail?: string;
      /** the block breaks a consensus rule: the peer that sent it is banned */
      misbehaving: boolean;
      /** its parent is unknown: the network layer holds it and asks the peer for the headers in between */
      missingParent?: boolean;
      /** sent unasked and would not carry more work than the tip: not stored (scored, not banned at once) */
      lowWork?: boolean;
    };

export type TxSubmit =
  | { ok: true }
  | {
      ok: false;
      reason: string;
      detail?: string;
      /** the transaction breaks a consensus rule (not a policy one): the peer that sent it is banned */
      misbehaving: boolean;
      /** the host keeps it until its parents arrive, and announces it itself once accepted */
      orphan?: boolean;
    };

/**
 * What the network layer needs from the node. The p2p package knows nothing of
 * storage or the mempool: everything goes through these callbacks.
 */
export interface P2PHost {
  /** names the network: peers with another genesis are refused */
  genesisHash: Hash;
  userAgent: string;
  bestHeight(): number;
  /** hashes from the tip back to genesis, dense first then sparse (ChainState.locator) */
  locator(): Hash[];
  /**
   * Headers of the active chain after the first locator hash found on it (after
   * genesis if none is), in order, at most `max`, ending at `stop` if it is met.
   */
  headersAfter(locator: Hash[], stop: Hash | undefined, max: number): BlockHeader[];
  /** height of a block in the node's index (any branch), if known: lets low-work header branches go undownloaded */
  heightOf?(hash: Hash): number | undefined;
  /** true for any block the node holds or has found invalid: it is not downloaded again */
  hasBlock(hash: Hash): boolean;
  /** raw bytes of a stored block */
  getBlock(hash: Hash): Promise<Uint8Array | undefined>;
  /**
   * `unrequested`: nobody asked for it; the host stores it only if it carries more work than the tip.
   * `towardMoreWork`: asked for because a peer's headers show its chain passing our tip (keep it when pruning).
   */
  submitBlock(block: Block, raw: Uint8Array, opts?: { unrequested?: boolean; towardMoreWork?: boolean }): Promise<BlockSubmit>;
  /**
   * The peers whose headers showed these blocks on a chain passing our tip left without that
   * chain beating it: they are no longer `towardMoreWork` (ChainState.unhead), so pruning may
   * take them first. Optional: without it they stay kept as such until pruned by the bounds.
   */
  unhead?(hashes: Hash[]): Promise<void>;
  /** true for a transaction waiting in the pool or confirmed: it is not requested again */
  hasTx(txid: Hash): boolean;
  /** raw bytes of a transaction the node relays (the pool's) */
  getTx(txid: Hash): Uint8Array | undefined;
  submitTx(tx: Transaction, raw: Uint8Array): TxSubmit;
  /** one readable line per event: peer joined, left, banned, refused (with why) */
  log(line: string): void;
}

/**
 * Is the peer that sent a block refused for `reason` to blame? From core's reasons table:
 * not for a block we have, one whose parent we lack, or one only our clock finds too new.
 * The node and the tests both map refusals through these, so they read one source.
 */
export const isPeerFaultBlockReason = (reason: string): boolean => reasonInfo(reason)?.blockPeerFault ?? true;

/**
 * Is the peer that relayed a transaction refused for `reason` to blame? Only where no valid
 * chain could ever hold it (reasons table): missing inputs, premature coinbase spends and
 * non-final locktimes can be honest races with the tip, and §7 policy is ours alone.
 */
export const isPeerFaultTxReason = (reason: string): boolean => reasonInfo(reason)?.txPeerFault ?? false;

/**
 * A refused block as the peer layer needs it, for every host (the node, the simulator, the
 * tests): whether to blame the sender comes from core's reasons table, and the two cases the
 * layer handles itself (a missing parent, an unasked low-work block) are flagged.
 */
export function blockRefusal(r: { reason: string; detail?: string }): BlockSubmit {
  return {
    ok: false,
    reason: r.reason,
    ...(r.detail ? { detail: r.detail } : {}),
    misbehaving: isPeerFaultBlockReason(r.reason),
    missingParent: r.reason === "prev-blk-not-found",
    lowWork: r.reason === "low-work",
  };
}

/** A refused transaction as the peer layer needs it; `orphan` when the host holds it for its parents. */
export function txRefusal(r: { reason: string; detail?: string; orphaned?: boolean }): TxSubmit {
  return {
    ok: false,
    reason: r.reason,
    ...(r.detail ? { detail: r.detail } : {}),
    misbehaving: isPeerFaultTxReason(r.reason),
    ...(r.orphaned ? { orphan: true } : {}),
  };
}
