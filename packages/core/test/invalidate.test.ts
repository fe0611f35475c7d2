import { GENESIS_PARENT, genesisCoin, nextBlock, openChain, out, snapshot, spend } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { blockHash, MemoryChainBackend, type ReorgInfo } from "../src/index.js";

const ref = (b: ReturnType<typeof nextBlock>, height: number) => ({ hash: blockHash(b.header), height, time: b.header.time });

describe("invalidateBlock / reconsiderBlock (Core's invalidateblock, reconsiderblock)", () => {
  it("steps back off an invalidated block and its descendants, reports a reorganization, and returns on reconsider", async () => {
    const backend = new MemoryChainBackend();
    const chain = await openChain({ backend });
    const reorgs: ReorgInfo[] = [];
    chain.addListener({ reorganized: (r) => reorgs.push(r) });
    const tx = spend([genesisCoin(0)], [out(genesisCoin(0).coin.value - 100n, 5)]);
    const b1 = nextBlock(GENESIS_PARENT);
    const b2 = nextBlock(ref(b1, 1), { txs: [tx], fees: 100n });
    const b3 = nextBlock(ref(b2, 2));
    for (const b of [b1, b2, b3]) expect((await chain.submitBlock(b)).ok).toBe(true);
    const setAt3 = snapshot(chain.utxos.entries());

    await chain.invalidateBlock(blockHash(b2.header));
    expect(chain.height).toBe(1);
    expect(chain.tip.hash).toBe(blockHash(b1.header));
    expect(chain.getEntry(blockHash(b3.header))?.status).toBe("invalid");
    expect(chain.utxos.getCoin(genesisCoin(0).txid, 0)).toBeDefined();
    expect(reorgs.at(-1)).toMatchObject({ depth: 2, fork: { height: 1 } });
    // the mark is stored: a reopened chain stays off the invalidated blocks
    const reopened = await openChain({ backend });
    expect(reopened.height).toBe(1);
    // a block offered again is refused with the stored reason
    const again = await chain.submitBlock(b2);
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.reason).toBe("manually-invalidated");
    // so is a new block on the abandoned branch: no rule broken, so no peer to blame
    const b4 = nextBlock(ref(b3, 3));
    const child = await chain.submitBlock(b4);
    expect(child.ok).toBe(false);
    if (!child.ok) expect(child.reason).toBe("manually-invalidated");

    await chain.reconsiderBlock(blockHash(b3.header));
    expect(chain.height).toBe(3);
    expect(snapshot(chain.utxos.entries())).toBe(setAt3);
  });

  it("invalidating a side branch leaves the tip alone; the genesis block cannot be invalidated", async () => {
    const chain = await openChain();
    const a1 = nextBlock(GENESIS_PARENT);
    const a2 = nextBlock(ref(a1, 1));
    const s1 = nextBlock(GENESIS_PARENT);
    for (const b of [a1, a2, s1]) await chain.submitBlock(b);
    const tip = chain.tip.hash;
    await chain.invalidateBlock(blockHash(s1.header));
    expect(chain.tip.hash).toBe(tip);
    await expect(chain.invalidateBlock(chain.genesis.hash)).rejects.toThrow(/genesis/);
    await expect(chain.invalidateBlock("00".repeat(32) as never)).rejects.toThrow(/not found/);
  });

  it("after invalidating the tip, a heavier side branch becomes the best chain", async () => {
    const chain = await openChain();
    const a1 = nextBlock(GENESIS_PARENT);
    const a2 = nextBlock(ref(a1, 1));
    const a3 = nextBlock(ref(a2, 2));
    const s2 = nextBlock(ref(a1, 1));
    for (const b of [a1, a2, a3, s2]) await chain.submitBlock(b);
    expect(chain.height).toBe(3);
    await chain.invalidateBlock(blockHash(a2.header));
    expect(chain.tip.hash).toBe(blockHash(s2.header));
  });
});

describe("reconsiderBlock and blocks that arrived on the invalidated branch", () => {
  it("forgets header-only blocks it clears, so they are fetched again instead of leaving a branch that cannot connect", async () => {
    const backend = new MemoryChainBackend();
    const chain = await openChain({ backend });
    const b1 = nextBlock(GENESIS_PARENT);
    const b2 = nextBlock(ref(b1, 1));
    for (const b of [b1, b2]) expect((await chain.submitBlock(b)).ok).toBe(true);
    await chain.invalidateBlock(blockHash(b2.header));
    // a peer keeps mining on b2: its block is remembered by header only (no body stored)
    const b3 = nextBlock(ref(b2, 2));
    expect(await chain.submitBlock(b3)).toMatchObject({ ok: false, reason: "manually-invalidated" });
    await chain.reconsiderBlock(blockHash(b2.header));
    expect(chain.height).toBe(2);
    // b3's body was never kept: the node must not count it as held (peers would never send it again)
    expect(chain.getEntry(blockHash(b3.header))).toBeUndefined();
    expect(backend.entries.has(blockHash(b3.header))).toBe(false);
    // the peer's next block names b3 as parent: asked for first, then both connect
    const b4 = nextBlock(ref(b3, 3));
    expect(await chain.submitBlock(b4)).toMatchObject({ ok: false, reason: "prev-blk-not-found" });
    expect(await chain.submitBlock(b3)).toMatchObject({ ok: true, active: true });
    expect(await chain.submitBlock(b4)).toMatchObject({ ok: true, active: true });
    expect(chain.height).toBe(4);
    const reopened = await openChain({ backend });
    expect(reopened.height).toBe(4);
  });
});
