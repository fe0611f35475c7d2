import { type Block, type BlockIndexEntry, type ChainState, type Hash, outpointKey, txid } from "@utxolab/core";

export interface TxLocation {
  block: Hash;
  height: number;
  index: number;
}

/**
 * What the best chain holds beyond the UTXO set: where each transaction is, and
 * which transaction spent each output. Kept in memory, rebuilt from the blocks
 * at start, so it can never disagree with them.
 */
export class ChainIndex {
  readonly txs = new Map<Hash, TxLocation>();
  readonly spentBy = new Map<string, Hash>();

  add(entry: BlockIndexEntry, block: Block): void {
    block.txs.forEach((tx, index) => {
      const id = txid(tx);
      this.txs.set(id, { block: entry.hash, height: entry.height, index });
      if (index > 0) for (const i of tx.inputs) this.spentBy.set(outpointKey(i.prevTxid, i.vout), id);
    });
  }

  remove(block: Block): void {
    block.txs.forEach((tx, index) => {
      this.txs.delete(txid(tx));
      if (index > 0) for (const i of tx.inputs) this.spentBy.delete(outpointKey(i.prevTxid, i.vout));
    });
  }

  async rebuild(chain: ChainState): Promise<void> {
    this.txs.clear();
    this.spentBy.clear();
    for (let h = 0; h <= chain.height; h++) {
      const e = chain.atHeight(h);
      if (!e) break;
      const b = await chain.getBlock(e.hash);
      if (!b) throw new Error(`block ${e.hash} at height ${h} is missing from storage`);
      this.add(e, b);
    }
  }
}
