import { GENESIS_PARENT, nextBlock, openChain } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { type Block, type BlockIndexEntry, blockHash, DEVNET, MemoryChainBackend, solveHeader } from "../src/index.js";

/** A backend whose next write of one kind fails once, as a full disk would. */
class FlakyBackend extends MemoryChainBackend {
  failNext: "saveBlock" | "saveEntries" | undefined;

  private trip(kind: "saveBlock" | "saveEntries"): void {
    if (this.failNext !== kind) return;
    this.failNext = undefined;
    throw new Error("simulated write failure");
  }

  override async saveBlock(entry: BlockIndexEntry, block: Block): Promise<void> {
    this.trip("saveBlock");
    return super.saveBlock(entry, block);
  }

  override async saveEntries(entries: BlockIndexEntry[]): Promise<void> {
    this.trip("saveEntries");
    return super.saveEntries(entries);
  }
}

const open = (backend: MemoryChainBackend) => openChain({ backend });
const parentOf = (b: Block, height: number) => ({ hash: blockHash(b.header), height, time: b.header.time });

/** A block whose write failed is not known: the chain neither calls it a duplicate nor builds on it. */
describe("a write that fails while a block is stored", () => {
  it("a block whose body was not saved can be submitted again, and its child then connects", async () => {
    const backend = new FlakyBackend();
    const chain = await open(backend);
    const b1 = nextBlock(GENESIS_PARENT);
    const b2 = nextBlock(parentOf(b1, 1));
    backend.failNext = "saveBlock";
    await expect(chain.submitBlock(b1)).rejects.toThrow(/simulated write failure/);
    expect(chain.getEntry(blockHash(b1.header))).toBeUndefined();
    expect(await chain.submitBlock(b2)).toMatchObject({ ok: false, reason: "prev-blk-not-found" });
    expect(await chain.submitBlock(b1)).toMatchObject({ ok: true, height: 1, active: true });
    expect(await chain.submitBlock(b2)).toMatchObject({ ok: true, height: 2, active: true });
    expect((await open(backend)).tip.hash).toBe(blockHash(b2.header));
  });

  it("an invalid block whose entry was not saved leaves no child stored without its parent", async () => {
    const backend = new FlakyBackend();
    const chain = await open(backend);
    const good = nextBlock(GENESIS_PARENT);
    const bad: Block = { header: solveHeader({ ...good.header, bits: 0x207ffffe }, DEVNET), txs: good.txs };
    const child = nextBlock(parentOf(bad, 1));
    backend.failNext = "saveEntries";
    await expect(chain.submitBlock(bad)).rejects.toThrow(/simulated write failure/);
    await chain.submitBlock(child);
    // The backend must still load: no stored entry may lack its parent.
    const again = await open(backend);
    expect(again.height).toBe(0);
    expect(await again.submitBlock(bad)).toMatchObject({ ok: false, reason: "bad-diffbits", remembered: true });
    expect(await again.submitBlock(child)).toMatchObject({ ok: false, reason: "bad-prevblk", remembered: true });
  });
});
