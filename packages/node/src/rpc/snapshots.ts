import type { BlockIndexEntry, Hash, Transaction } from "@utxolab/core";
import type { Mempool } from "@utxolab/mempool";
import type { ChainControl, ClockControl, Reporter } from "../parts.js";
import { RPC, RpcError } from "./errors.js";

/** Snapshots held at once; each keeps its pool's transactions alive, so the count is bounded. */
export const MAX_SNAPSHOTS = 64;

interface Snapshot {
  readonly id: number;
  readonly tip: Hash;
  readonly height: number;
  /** the pool's transactions, parents first */
  readonly txs: readonly Transaction[];
  readonly mockTime: number | undefined;
}

/**
 * anvil's evm_snapshot / evm_revert for a UTXO node. A snapshot remembers the tip, the
 * pool and the mock time. Revert makes the snapshot's tip the best chain again by
 * invalidating (as `invalidateblock`) the first block after it on the active chain, then
 * refills the pool. Invalidation, not deletion: blocks and undo data stay consistent
 * on disk, peers offering the abandoned branch again are refused, and peers see an
 * ordinary reorganization once this node's new branch has more work than theirs.
 */
/** What snapshots take and restore: the chain, the whole pool and the clock. */
export type SnapshotNode = ChainControl & ClockControl & Pick<Reporter, "info"> & { readonly mempool: Mempool };

export class Snapshots {
  private readonly list = new Map<number, Snapshot>();
  private next = 1;

  constructor(private readonly node: SnapshotNode) {}

  take(): string {
    if (this.list.size >= MAX_SNAPSHOTS) {
      throw new RpcError(RPC.INVALID_PARAMETER, `${MAX_SNAPSHOTS} snapshots are held: revert to one (which frees it and later ones) first`);
    }
    const chain = this.node.chain;
    const s: Snapshot = {
      id: this.next++,
      tip: chain.tip.hash,
      height: chain.height,
      txs: this.node.mempool.entries().map((e) => e.tx),
      mockTime: this.node.clock.mockTime,
    };
    this.list.set(s.id, s);
    return String(s.id);
  }

  async revert(idText: string): Promise<void> {
    const id = /^0x[0-9a-f]+$/i.test(idText) ? Number.parseInt(idText, 16) : /^[0-9]+$/.test(idText) ? Number(idText) : Number.NaN;
    const s = this.list.get(id);
    if (!s) {
      const held = [...this.list.keys()].join(", ") || "none";
      throw new RpcError(
        RPC.INVALID_PARAMETER,
        `revert: no snapshot ${JSON.stringify(idText)} (held: ${held}); a revert uses up its snapshot and every later one`,
      );
    }
    const chain = this.node.chain;
    const target = chain.getEntry(s.tip);
    if (!target) {
      // left on a side branch by a reorganization, then forgotten beyond maxSideBlocks
      for (const k of [...this.list.keys()]) if (k >= id) this.list.delete(k);
      throw new RpcError(
        RPC.INVALID_PARAMETER,
        `revert: snapshot ${s.id}'s tip ${s.tip} (height ${s.height}) is no longer known: a reorganization left it on a side branch and the node forgot it; the snapshot and later ones are dropped, take a new one`,
      );
    }
    // Each round invalidates the first active block off the path to the target; a reorganization
    // may follow onto another branch, so repeat (bounded: every round marks a block invalid).
    for (let round = 0; chain.tip !== target; round++) {
      if (round >= 32) throw new RpcError(RPC.INTERNAL, `revert: the best chain did not return to ${s.tip} after ${round} rounds`);
      if (target.status === "invalid") await chain.reconsiderBlock(target.hash);
      let fork: BlockIndexEntry | undefined = target;
      while (fork && !chain.isActive(fork)) fork = fork.parent;
      const above = fork && chain.atHeight(fork.height + 1);
      if (above) await chain.invalidateBlock(above.hash, `revert to snapshot ${s.id}`);
      else if (chain.tip !== target) await chain.reconsiderBlock(target.hash);
    }
    this.node.clock.setMock(s.mockTime ?? 0);
    this.node.mempool.removeAll();
    let refused = 0;
    for (const tx of s.txs) if (!this.node.mempool.accept(tx).ok) refused++;
    for (const k of [...this.list.keys()]) if (k >= id) this.list.delete(k);
    this.node.info(
      `reverted to snapshot ${s.id}: tip ${s.tip} at height ${s.height}, ${s.txs.length - refused} transaction(s) back in the pool` +
        (refused ? `, ${refused} no longer valid` : ""),
    );
  }
}
