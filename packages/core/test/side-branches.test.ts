import { GENESIS_PARENT, nextBlock, openChain } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { blockHash, blockSize, type ChainState, MemoryChainBackend } from "../src/index.js";

const parentOf = (b: ReturnType<typeof nextBlock>, height: number) => ({ hash: blockHash(b.header), height, time: b.header.time });

async function mainChain(chain: ChainState, n: number) {
  let p = GENESIS_PARENT;
  for (let i = 0; i < n; i++) {
    const b = nextBlock(p);
    expect(await chain.submitBlock(b)).toMatchObject({ ok: true, active: true });
    p = parentOf(b, p.height + 1);
  }
}

// Issue 12, attack 6: low-work fork blocks from genesis were stored forever (+465 MB).
describe("low-work side branches", () => {
  it("refuses an unrequested block that would not carry more work than the tip, without storing it", async () => {
    const backend = new MemoryChainBackend();
    const chain = await openChain({ backend });
    await mainChain(chain, 3);
    const stored = backend.blocks.size;
    const fork = nextBlock(GENESIS_PARENT);
    const r = await chain.submitBlock(fork, { requireMoreWork: true });
    expect(r).toMatchObject({ ok: false, reason: "low-work", remembered: false });
    expect(backend.blocks.size).toBe(stored);
    expect(chain.getEntry(blockHash(fork.header))).toBeUndefined();
    // a block on the tip has more work: taken
    const tipParent = { hash: chain.tip.hash, height: chain.height, time: chain.tip.header.time };
    expect(await chain.submitBlock(nextBlock(tipParent), { requireMoreWork: true })).toMatchObject({ ok: true, active: true });
  });

  it("keeps at most maxSideBlocks off the active chain, forgetting the lowest-work branches first", async () => {
    const backend = new MemoryChainBackend();
    const chain = await openChain({ backend, maxSideBlocks: 4 });
    await mainChain(chain, 10);
    // 20 one-block forks from genesis (least work), then a 3-block fork from height 7
    for (let i = 0; i < 20; i++) expect(await chain.submitBlock(nextBlock(GENESIS_PARENT))).toMatchObject({ ok: true, active: false });
    expect(chain.sideBlockCount).toBe(4);
    let p = { hash: chain.atHeight(7)?.hash ?? "", height: 7, time: chain.atHeight(7)?.header.time ?? 0 } as typeof GENESIS_PARENT;
    const deep: string[] = [];
    for (let i = 0; i < 3; i++) {
      const b = nextBlock(p);
      await chain.submitBlock(b);
      deep.push(blockHash(b.header));
      p = parentOf(b, p.height + 1);
    }
    expect(chain.sideBlockCount).toBe(4);
    // the higher-work branch stays whole; one genesis fork is left
    for (const h of deep) expect(chain.getEntry(h as never)?.hasData).toBe(true);
    expect(backend.blocks.size).toBe(11 + 4);
    expect(chain.height).toBe(10);
    // the pruned state survives a reload
    const again = await openChain({ backend, maxSideBlocks: 4 });
    expect(again.sideBlockCount).toBe(4);
    expect(again.tip.hash).toBe(chain.tip.hash);
  });

  it("tie-work side blocks cannot crowd out a branch whose headers pass the tip, nor can the bound stop a fork deeper than it", async () => {
    // Found by an attack: 1,000 announced tie-work blocks filled maxSideBlocks, then an honest
    // heavier branch was pruned block by block as it arrived (each one the lowest-work leaf).
    const chain = await openChain({ maxSideBlocks: 4 });
    await mainChain(chain, 6);
    const at = (h: number) =>
      ({ hash: chain.atHeight(h)?.hash ?? "", height: h, time: chain.atHeight(h)?.header.time ?? 0 }) as typeof GENESIS_PARENT;
    for (let i = 0; i < 4; i++) expect(await chain.submitBlock(nextBlock(at(5)))).toMatchObject({ ok: true, active: false });
    expect(chain.sideBlockCount).toBe(4);
    // an honest branch from height 2 to height 7 (more work than the tip at 6), asked for through its headers
    let p = at(2);
    const branch: string[] = [];
    for (let i = 0; i < 5; i++) {
      const b = nextBlock(p);
      const r = await chain.submitBlock(b, { towardMoreWork: true });
      expect(r).toMatchObject({ ok: true });
      expect(r.ok && r.pruned).toBeFalsy();
      branch.push(blockHash(b.header));
      p = parentOf(b, p.height + 1);
    }
    expect(chain.height).toBe(7);
    expect(chain.tip.hash).toBe(branch[4]);
    // without the claim, the same branch's first block is the lowest-work leaf and goes at once
    const plain = await openChain({ maxSideBlocks: 4 });
    await mainChain(plain, 6);
    const plainAt = (h: number) =>
      ({ hash: plain.atHeight(h)?.hash ?? "", height: h, time: plain.atHeight(h)?.header.time ?? 0 }) as typeof GENESIS_PARENT;
    for (let i = 0; i < 4; i++) await plain.submitBlock(nextBlock(plainAt(5)));
    expect(await plain.submitBlock(nextBlock(plainAt(2)))).toMatchObject({ ok: true, pruned: true });
    // a fork from genesis deeper than the bound (8 blocks against a tip at 6, bound 4) is downloaded whole
    const deep = await openChain({ maxSideBlocks: 4 });
    await mainChain(deep, 6);
    let q = GENESIS_PARENT;
    for (let i = 0; i < 7; i++) {
      const b = nextBlock(q);
      expect(await deep.submitBlock(b, { towardMoreWork: true })).toMatchObject({ ok: true });
      q = parentOf(b, q.height + 1);
    }
    expect(deep.height).toBe(7);
    expect(deep.tip.hash).toBe(q.hash);
  });

  // Issue 12, withheld heavier fork: with free proof of work a peer shows headers of a heavier
  // fork, serves every block but the last, and each one was kept as headed (up to 4,000 of
  // them): three peers with 800 KB blocks took RSS to 600 MB. Bodies are bounded in bytes.
  it("keeps at most maxSideBytes of side-branch bodies, blocks headed past the tip included", async () => {
    const backend = new MemoryChainBackend();
    const probe = nextBlock(GENESIS_PARENT, { extra: "x".repeat(90) });
    const size = blockSize(probe);
    const chain = await openChain({ backend, maxSideBlocks: 1_000, maxSideBytes: 5 * size });
    await mainChain(chain, 12);
    // a branch from genesis as long as the tip (the withheld block would make it heavier), every block claimed
    let p = GENESIS_PARENT;
    const branch: string[] = [];
    for (let i = 0; i < 8; i++) {
      const b = nextBlock(p, { extra: "x".repeat(90) });
      expect(blockSize(b)).toBe(size);
      const r = await chain.submitBlock(b, { towardMoreWork: true });
      // the sixth is over the budget and the lowest-work leaf: forgotten at once, so the
      // seventh finds no parent (a peer would have to deliver them again)
      if (i < 5) expect(r).toMatchObject({ ok: true, active: false });
      else if (i === 5) expect(r).toMatchObject({ ok: true, active: false, pruned: true });
      else expect(r).toMatchObject({ ok: false, reason: "prev-blk-not-found" });
      branch.push(blockHash(b.header));
      p = parentOf(b, p.height + 1);
    }
    expect(chain.sideBytes).toBeLessThanOrEqual(5 * size);
    expect(chain.sideBlockCount).toBe(5);
    for (const [i, h] of branch.entries()) expect(chain.getEntry(h as never) !== undefined).toBe(i < 5);
    expect(backend.blocks.size).toBe(13 + 5);
    expect(chain.height).toBe(12);
  });

  it("unhead: a branch whose claim is dropped is pruned like any other side branch", async () => {
    const chain = await openChain({ maxSideBlocks: 2 });
    await mainChain(chain, 8);
    let p = GENESIS_PARENT;
    const branch: string[] = [];
    for (let i = 0; i < 6; i++) {
      const b = nextBlock(p);
      await chain.submitBlock(b, { towardMoreWork: true });
      branch.push(blockHash(b.header));
      p = parentOf(b, p.height + 1);
    }
    // headed: spared up to HEADED_SIDE_FACTOR x maxSideBlocks
    expect(chain.sideBlockCount).toBe(6);
    await chain.unhead(branch as never[]);
    expect(chain.sideBlockCount).toBe(2);
    expect(chain.getEntry(branch[0] as never)?.hasData).toBe(true);
    expect(chain.getEntry(branch[5] as never)).toBeUndefined();
  });

  it("a pruned branch that later gains the most work is taken when its blocks come again", async () => {
    const backend = new MemoryChainBackend();
    const chain = await openChain({ backend, maxSideBlocks: 2 });
    await mainChain(chain, 2);
    const a = nextBlock(GENESIS_PARENT);
    const b = nextBlock(parentOf(a, 1));
    const c = nextBlock(parentOf(b, 2));
    await chain.submitBlock(a);
    for (let i = 0; i < 5; i++) await chain.submitBlock(nextBlock(GENESIS_PARENT));
    expect(chain.sideBlockCount).toBe(2);
    for (const blk of [a, b]) await chain.submitBlock(blk);
    expect(chain.sideBlockCount).toBe(2);
    expect(await chain.submitBlock(c)).toMatchObject({ ok: true, active: true });
    expect(chain.tip.hash).toBe(blockHash(c.header));
    expect(chain.height).toBe(3);
  });
});

// rpc's invalidateblock × hostile's bound: blocks on a branch left by hand are remembered by
// header only and, breaking no rule, get their sender no ban; they must count against the bound.
describe("blocks on a manually invalidated branch", () => {
  it("count against maxSideBlocks: a flood of them is forgotten (headers first), the invalidated block kept for reconsiderblock", async () => {
    const backend = new MemoryChainBackend();
    const chain = await openChain({ backend, maxSideBlocks: 4 });
    await mainChain(chain, 3);
    const top = chain.tip;
    await chain.invalidateBlock(top.hash);
    const onTop = { hash: top.hash, height: top.height, time: top.header.time };
    for (let i = 0; i < 50; i++) {
      // unasked, yet with more work than the tip (one block lower now): only the invalid parent refuses them
      const r = await chain.submitBlock(nextBlock(onTop), { requireMoreWork: true });
      expect(r).toMatchObject({ ok: false, reason: "manually-invalidated" });
    }
    const offChain = [...chain.index.values()].filter((e) => !chain.isActive(e));
    expect(offChain.length).toBeLessThanOrEqual(4);
    expect(backend.entries.size).toBeLessThanOrEqual(chain.height + 1 + 4);
    expect(chain.getEntry(top.hash)?.hasData).toBe(true);
    await chain.reconsiderBlock(top.hash);
    expect(chain.tip.hash).toBe(top.hash);
  });
});
