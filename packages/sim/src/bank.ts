import { type Block, type BlockIndexEntry, encodeBlock, type Hash, MemoryChainBackend } from "@utxolab/core";

/**
 * Every block of a run, once. A thousand nodes each decode their own copy of a
 * block from the wire; a node's store keeps the bank's copy instead, so memory
 * grows with blocks, not with blocks × nodes. Blocks are immutable values, so
 * sharing them changes nothing a node can observe.
 */
export class BlockBank {
  private readonly blocks = new Map<Hash, { block: Block; raw?: Uint8Array }>();

  constructor(readonly genesisHash: Hash) {}

  intern(hash: Hash, block: Block): Block {
    const hit = this.blocks.get(hash);
    if (hit) return hit.block;
    this.blocks.set(hash, { block });
    return block;
  }

  get(hash: Hash): Block | undefined {
    return this.blocks.get(hash)?.block;
  }

  /** The block's bytes, encoded once. */
  raw(hash: Hash): Uint8Array | undefined {
    const e = this.blocks.get(hash);
    if (!e) return undefined;
    e.raw ??= encodeBlock(e.block);
    return e.raw;
  }

  get size(): number {
    return this.blocks.size;
  }
}

/** A node's store: core's in-memory backend (it survives a crash of the node), with block bodies from the bank. */
export class SimBackend extends MemoryChainBackend {
  constructor(private readonly bank: BlockBank) {
    super();
  }

  override async saveBlock(entry: BlockIndexEntry, block: Block): Promise<void> {
    return super.saveBlock(entry, this.bank.intern(entry.hash, block));
  }
}
