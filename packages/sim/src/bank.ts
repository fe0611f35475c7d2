import {
  type Block,
  type BlockIndexEntry,
  blockHash,
  type ChainUpdate,
  type Coin,
  decodeIndexEntry,
  encodeBlock,
  encodeIndexEntry,
  equalBytes,
  type Hash,
  type LoadedChain,
  MemoryChainBackend,
  replayBlock,
  type UtxoEntry,
} from "@utxolab/core";

/**
 * Every block of a run, once. A thousand nodes each decode their own copy of a
 * block from the wire; a node's store keeps the bank's copy instead, so memory
 * grows with blocks, not with blocks × nodes. Blocks are immutable values, so
 * sharing them changes nothing a node can observe.
 */
export class BlockBank {
  private readonly blocks = new Map<Hash, { block: Block; raw?: Uint8Array }>();
  /** what a block spent: a block's hash fixes its ancestors, so its undo data is the same on every node */
  private readonly undos = new Map<Hash, Coin[]>();

  constructor(readonly genesisHash: Hash) {}

  intern(hash: Hash, block: Block): Block {
    const hit = this.blocks.get(hash);
    if (hit) return hit.block;
    this.blocks.set(hash, { block });
    return block;
  }

  /**
   * The bank's copy of a block a node just decoded from the wire, when its bytes are
   * the same (same bytes, same block: a different body under the same header hash is
   * kept apart and checked on its own). Every node then validates and stores one shared
   * object: its header strings, transactions and memoized hashes exist once per run,
   * not once per node, which is most of a long run's heap (docs/simulation.md).
   */
  share(block: Block, raw: Uint8Array): Block {
    const hash = blockHash(block.header);
    const hit = this.blocks.get(hash);
    if (!hit) {
      this.blocks.set(hash, { block, raw });
      return block;
    }
    hit.raw ??= encodeBlock(hit.block);
    return equalBytes(hit.raw, raw) ? hit.block : block;
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

  keepUndo(hash: Hash, undo: Coin[]): void {
    if (!this.undos.has(hash)) this.undos.set(hash, undo);
  }

  undo(hash: Hash): Coin[] | undefined {
    return this.undos.get(hash);
  }

  get size(): number {
    return this.blocks.size;
  }
}

/**
 * A node's store: core's in-memory backend (it survives a crash of the node), with
 * block bodies and undo data from the bank. It keeps no copy of the UTXO set: a
 * restarted node's coins are rebuilt by replaying its best chain from the bank's
 * blocks (the set at a tip is a function of the tip). Per node it holds only the
 * tip and its own index entries, so a long run's heap is one UTXO set per node
 * (the live one in ChainState) instead of two.
 */
export class SimBackend extends MemoryChainBackend {
  constructor(private readonly bank: BlockBank) {
    super();
  }

  override async saveBlock(entry: BlockIndexEntry, block: Block): Promise<void> {
    return super.saveBlock(entry, this.bank.intern(entry.hash, block));
  }

  override async getUndo(hash: Hash): Promise<Coin[] | undefined> {
    return this.bank.undo(hash);
  }

  override async commit(u: ChainUpdate): Promise<void> {
    if (u.kind === "connect") this.bank.keepUndo(u.hash, u.undo ?? []);
    for (const e of u.entries) this.entries.set(e.hash, encodeIndexEntry(e));
    this.tip = u.tip;
  }

  override async load(): Promise<LoadedChain | undefined> {
    if (!this.tip) return undefined;
    const entries = [...this.entries.values()].map(decodeIndexEntry);
    const byHash = new Map(entries.map((e) => [e.hash, e]));
    const path: BlockIndexEntry[] = [];
    for (let e = byHash.get(this.tip); e; e = byHash.get(e.header.prevHash)) path.push(e);
    const coins = new Map<string, UtxoEntry>();
    for (const e of path.reverse()) {
      const block = this.blocks.get(e.hash);
      if (!block) throw new Error(`simulated store: block ${e.hash} of the best chain has no body`);
      replayBlock(coins, block, e.height);
    }
    return { entries, tip: this.tip, coins: coins.values() };
  }
}
