import { activeBlocks, GENESIS_PARENT, genesisCoin, NOW, nextBlock, openChain, out, outputsOf, snapshot, spend } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import {
  type Block,
  type BlockIndexEntry,
  blockHash,
  type ChainState,
  DEVNET,
  encodeBlock,
  type Hash,
  MemoryChainBackend,
  type ReorgInfo,
  solveHeader,
  subsidyAt,
  verifyLedger,
} from "../src/index.js";

type Parent = { hash: Hash; height: number; time: number };

/** Parent form of a block already built at `height`. */
const p = (b: Block, height: number): Parent => ({ hash: blockHash(b.header), height, time: b.header.time });

async function submitAll(chain: ChainState, blocks: Block[]) {
  const out = [];
  for (const b of blocks) out.push(await chain.submitBlock(b));
  return out;
}

const outcome = (r: { ok: boolean; reason?: string }) => (r.ok ? "accepted" : r.reason);

/** A straight chain of `n` empty blocks on `parent`. */
function straight(parent: Parent, n: number, payTo = 0): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < n; i++) {
    const b = nextBlock(parent, { payTo });
    out.push(b);
    parent = p(b, parent.height + 1);
  }
  return out;
}

async function expectLedgerOk(chain: ChainState) {
  const report = await verifyLedger(await activeBlocks(chain), chain.utxos.entries(), DEVNET);
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
}

describe("coinbase claim", () => {
  // Block 1 holds one transaction paying a fee of 1,000 units.
  const tx = spend([genesisCoin(0)], [out(genesisCoin(0).coin.value - 1000n, 1)]);
  const subsidy = subsidyAt(1, DEVNET);

  it("claiming subsidy + fees + 1 fails with the numbers", async () => {
    const chain = await openChain();
    const r = await chain.submitBlock(nextBlock(GENESIS_PARENT, { txs: [tx], claim: subsidy + 1001n }));
    expect(r).toMatchObject({ ok: false, reason: "bad-cb-amount", remembered: true });
    expect(!r.ok && r.detail).toContain(`coinbase claims ${subsidy + 1001n} > subsidy ${subsidy} + fees 1000`);
    expect(chain.height).toBe(0);
  });

  it("claiming exactly subsidy + fees passes, and the supply grows by the subsidy only", async () => {
    const chain = await openChain();
    const before = chain.utxos.total;
    const r = await chain.submitBlock(nextBlock(GENESIS_PARENT, { txs: [tx], claim: subsidy + 1000n }));
    expect(r).toMatchObject({ ok: true, height: 1, active: true });
    expect(chain.utxos.total).toBe(before + subsidy);
  });

  it("claiming less is valid and the rest is gone for good", async () => {
    const chain = await openChain();
    const before = chain.utxos.total;
    await chain.submitBlock(nextBlock(GENESIS_PARENT, { txs: [tx], claim: 5n }));
    expect(chain.utxos.total).toBe(before - 1000n + 5n);
    await expectLedgerOk(chain);
  });

  it("a zero-value coinbase output enters the UTXO set", async () => {
    const chain = await openChain();
    const b = nextBlock(GENESIS_PARENT, { claim: 0n });
    expect(outcome(await chain.submitBlock(b))).toBe("accepted");
    expect(chain.utxos.getCoin(outputsOf(b.txs[0], 1)[0].txid, 0)?.value).toBe(0n);
  });
});

describe("block time", () => {
  /** Median of the up to 11 times before a block, computed here from the list of times. */
  const mtpOf = (times: number[]) => {
    const last = times.slice(-11).sort((a, b) => a - b);
    return last[Math.floor(last.length / 2)];
  };

  /**
   * Sixteen blocks whose times go up and down (each above its median time past), chosen
   * so the median of the previous 11 is neither the parent's time nor the median of 12.
   */
  async function chainWithTimes() {
    const chain = await openChain();
    const base = DEVNET.genesis.time;
    const times = [base];
    let parent = GENESIS_PARENT;
    for (const off of [1001, 1052, 1007, 6008, 1108, 1053, 1153, 1054, 1059, 1055, 1055, 1056, 1106, 1062, 1060, 1061]) {
      const t = base + off;
      const b = nextBlock(parent, { time: t });
      expect(outcome(await chain.submitBlock(b))).toBe("accepted");
      times.push(t);
      parent = p(b, parent.height + 1);
    }
    const mtp = mtpOf(times);
    expect(mtp).not.toBe(parent.time);
    expect(mtp).not.toBe([...times.slice(-12)].sort((a, b) => a - b)[6]);
    return { chain, parent, mtp };
  }

  it("the median time past is the middle of the previous 11 times", async () => {
    const { chain, mtp } = await chainWithTimes();
    expect(chain.medianTimePast(chain.tip)).toBe(mtp);
  });

  it("a time equal to the median time past is too old", async () => {
    const { chain, parent, mtp } = await chainWithTimes();
    const r = await chain.submitBlock(nextBlock(parent, { time: mtp }));
    expect(r).toMatchObject({ ok: false, reason: "time-too-old", detail: `time ${mtp} <= median time past ${mtp}`, remembered: true });
  });

  it("one second after the median time past is accepted, though earlier than its parent", async () => {
    const { chain, parent, mtp } = await chainWithTimes();
    expect(mtp + 1).toBeLessThan(parent.time);
    expect(outcome(await chain.submitBlock(nextBlock(parent, { time: mtp + 1 })))).toBe("accepted");
  });

  it("with only genesis before it, a block must be later than genesis", async () => {
    const chain = await openChain();
    expect(outcome(await chain.submitBlock(nextBlock(GENESIS_PARENT, { time: DEVNET.genesis.time })))).toBe("time-too-old");
    expect(outcome(await chain.submitBlock(nextBlock(GENESIS_PARENT, { time: DEVNET.genesis.time + 1 })))).toBe("accepted");
  });

  it("node clock + 7200 s is accepted, + 7201 s is too new and not remembered", async () => {
    let now = NOW;
    const chain = await openChain({ now: () => now });
    const late = nextBlock(GENESIS_PARENT, { time: now + 7201 });
    const r = await chain.submitBlock(late);
    expect(r).toMatchObject({ ok: false, reason: "time-too-new", remembered: false });
    expect(chain.getEntry(blockHash(late.header))).toBeUndefined();
    expect(outcome(await chain.submitBlock(nextBlock(GENESIS_PARENT, { time: now + 7200 })))).toBe("accepted");
    // The same block is fine once the clock has caught up: it was not marked invalid.
    now += 1;
    const c2 = await openChain({ now: () => now });
    expect(outcome(await c2.submitBlock(late))).toBe("accepted");
  });
});

describe("known and invalid blocks", () => {
  it("a block submitted twice is a duplicate the second time", async () => {
    const chain = await openChain();
    const b = nextBlock(GENESIS_PARENT);
    expect(outcome(await chain.submitBlock(b))).toBe("accepted");
    expect(await chain.submitBlock(b)).toMatchObject({ ok: false, reason: "duplicate", remembered: true });
  });

  it("a block already found invalid is answered with its first reason again", async () => {
    const chain = await openChain();
    const bad = nextBlock(GENESIS_PARENT, { claim: subsidyAt(1, DEVNET) + 1n });
    const first = await chain.submitBlock(bad);
    expect(outcome(first)).toBe("bad-cb-amount");
    const again = await chain.submitBlock(bad);
    expect(outcome(again)).toBe("bad-cb-amount");
    expect(!again.ok && again.detail).toBe(!first.ok && first.detail);
  });

  it("a child of an invalid block is bad-prevblk, and so is its child", async () => {
    const chain = await openChain();
    const bad = nextBlock(GENESIS_PARENT, { cbHeight: 7 });
    expect(outcome(await chain.submitBlock(bad))).toBe("bad-cb-height");
    const child = nextBlock(p(bad, 1));
    const grandchild = nextBlock(p(child, 2));
    const r = await chain.submitBlock(child);
    expect(r).toMatchObject({ ok: false, reason: "bad-prevblk", remembered: true });
    expect(outcome(await chain.submitBlock(grandchild))).toBe("bad-prevblk");
    expect(chain.height).toBe(0);
  });

  it("an orphan is refused as prev-blk-not-found, not remembered, and accepted once its parent is there", async () => {
    const chain = await openChain();
    const [a, b] = straight(GENESIS_PARENT, 2);
    expect(await chain.submitBlock(b)).toMatchObject({ ok: false, reason: "prev-blk-not-found", remembered: false });
    expect(outcome(await chain.submitBlock(a))).toBe("accepted");
    expect(outcome(await chain.submitBlock(b))).toBe("accepted");
    expect(chain.height).toBe(2);
  });

  it("a block whose body does not match its header is not remembered: the right body is accepted later", async () => {
    const chain = await openChain();
    const b = nextBlock(GENESIS_PARENT);
    const wrongBody = { header: b.header, txs: [nextBlock(GENESIS_PARENT).txs[0]] };
    expect(await chain.submitBlock(wrongBody)).toMatchObject({ ok: false, reason: "bad-txnmrklroot", remembered: false });
    expect(outcome(await chain.submitBlock(b))).toBe("accepted");
  });
});

describe("best chain", () => {
  it("on equal work the block seen first stays the tip", async () => {
    const a = nextBlock(GENESIS_PARENT);
    const b = nextBlock(GENESIS_PARENT);
    for (const [first, second] of [
      [a, b],
      [b, a],
    ]) {
      const chain = await openChain();
      expect(await chain.submitBlock(first)).toMatchObject({ ok: true, active: true });
      expect(await chain.submitBlock(second)).toMatchObject({ ok: true, active: false, height: 1 });
      expect(chain.tip.hash).toBe(blockHash(first.header));
    }
  });

  it("reorganizes to a heavier branch, restoring what the old branch spent", async () => {
    const chain = await openChain();
    const reorgs: ReorgInfo[] = [];
    chain.addListener({ reorganized: (i) => reorgs.push(i) });

    // Old branch: spends genesis output 0 at height 1.
    const spendA = spend([genesisCoin(0)], [out(genesisCoin(0).coin.value - 500n, 4)]);
    const a1 = nextBlock(GENESIS_PARENT, { txs: [spendA], fees: 500n });
    const a2 = nextBlock(p(a1, 1));
    // New branch: spends genesis output 1, one block longer.
    const spendB = spend([genesisCoin(1)], [out(100, 5), out(genesisCoin(1).coin.value - 100n, 6)]);
    const b1 = nextBlock(GENESIS_PARENT, { txs: [spendB] });
    const [b2, b3] = straight(p(b1, 1), 2);

    await submitAll(chain, [a1, a2]);
    const results = await submitAll(chain, [b1, b2, b3]);
    expect(results.map((r) => r.ok && r.active)).toEqual([false, false, true]);
    expect(chain.tip.hash).toBe(blockHash(b3.header));
    expect(chain.utxos.getCoin(genesisCoin(0).txid, 0)).toBeDefined();
    expect(chain.utxos.getCoin(genesisCoin(1).txid, 1)).toBeUndefined();

    expect(reorgs).toHaveLength(1);
    const [r] = reorgs;
    expect([r.depth, r.fork.height, r.from.hash, r.to.hash]).toEqual([2, 0, blockHash(a2.header), blockHash(b3.header)]);
    expect(r.disconnected.map((d) => d.entry.height)).toEqual([2, 1]);
    expect(r.connected.map((d) => d.entry.height)).toEqual([1, 2, 3]);

    const fresh = await openChain();
    await submitAll(fresh, [b1, b2, b3]);
    expect(snapshot(chain.utxos.entries())).toBe(snapshot(fresh.utxos.entries()));
    await expectLedgerOk(chain);
  });
});

describe("reorganization into a branch with an invalid block (SPEC v1.1: a lighter branch is checked against the contextual rules only when it would become the best)", () => {
  /**
   * Main branch a1..aN; side branch b1.. where `bad` (1-based) overspends. The bad block
   * is stored while its branch is lighter and found invalid only when the branch
   * becomes the heaviest and is connected.
   */
  function branches(mainLength: number, sideLength: number, bad: number) {
    const main = straight(GENESIS_PARENT, mainLength, 1);
    const side: Block[] = [];
    let parent = GENESIS_PARENT;
    for (let i = 1; i <= sideLength; i++) {
      const txs =
        i === bad
          ? [spend([genesisCoin(2)], [out(genesisCoin(2).coin.value + 1n, 3)])]
          : i === 1
            ? [spend([genesisCoin(4)], [out(10, 7)])]
            : [];
      const b = nextBlock(parent, { txs, payTo: 2 });
      side.push(b);
      parent = p(b, i);
    }
    return { main, side };
  }

  async function run(mainLength: number, sideLength: number, bad: number) {
    const { main, side } = branches(mainLength, sideLength, bad);
    const chain = await openChain();
    const invalid: [BlockIndexEntry, string][] = [];
    chain.addListener({ blockInvalid: (e, why) => invalid.push([e, why]) });
    await submitAll(chain, main);
    const results = await submitAll(chain, side);
    return { chain, main, side, results, invalid };
  }

  /** The chain a node that never saw the bad block or anything after it ends on. */
  async function withoutBadBranch(main: Block[], side: Block[], bad: number) {
    const chain = await openChain();
    await submitAll(chain, [...main, ...side.slice(0, bad - 1)]);
    return chain;
  }

  it("marks the bad block and its descendants invalid and stays on the old branch", async () => {
    const { chain, main, side, results, invalid } = await run(3, 5, 2);
    const badHash = blockHash(side[1].header);
    // b1..b3 are lighter than a1..a3: stored without connecting; b4 makes the side heavier.
    expect(results.slice(0, 3).map(outcome)).toEqual(["accepted", "accepted", "accepted"]);
    expect(results[3]).toMatchObject({ ok: false, reason: "bad-prevblk", remembered: true });
    expect(results[4]).toMatchObject({ ok: false, reason: "bad-prevblk", remembered: true });
    expect(chain.getEntry(badHash)?.invalidReason).toMatch(/^bad-txns-in-belowout: tx 1 .*: in 100000000000 < out 100000000001$/);
    for (const b of side.slice(2)) expect(chain.getEntry(blockHash(b.header))?.status).toBe("invalid");
    expect(chain.getEntry(blockHash(side[0].header))?.status).toBe("valid");
    expect(invalid.map(([e]) => e.hash)).toEqual([
      badHash,
      blockHash(side[2].header),
      blockHash(side[3].header),
      blockHash(side[4].header),
    ]);

    expect(chain.tip.hash).toBe(blockHash(main[2].header));
    const clean = await withoutBadBranch(main, side, 2);
    expect(chain.tip.hash).toBe(clean.tip.hash);
    expect(snapshot(chain.utxos.entries())).toBe(snapshot(clean.utxos.entries()));
    await expectLedgerOk(chain);
  });

  it("ends on the valid part of the new branch when that part alone is heavier", async () => {
    const { chain, main, side } = await run(1, 4, 3);
    expect(chain.tip.hash).toBe(blockHash(side[1].header));
    const clean = await withoutBadBranch(main, side, 3);
    expect(clean.tip.hash).toBe(chain.tip.hash);
    expect(snapshot(chain.utxos.entries())).toBe(snapshot(clean.utxos.entries()));
    await expectLedgerOk(chain);
  });

  it("goes back to the first-seen tip when the valid part of the new branch only ties it", async () => {
    // a1 a2 first; then b1 b2 (b2 ties a2: stays off the tip); b3 is heavier, so the node switches,
    // connects b1 b2 and finds b3 bad. b2 and a2 tie, and a2 was seen first.
    const { chain, main, side } = await run(2, 4, 3);
    const clean = await withoutBadBranch(main, side, 3);
    expect(clean.tip.hash).toBe(blockHash(main[1].header));
    expect(chain.tip.hash).toBe(clean.tip.hash);
    expect(snapshot(chain.utxos.entries())).toBe(snapshot(clean.utxos.entries()));
    await expectLedgerOk(chain);
  });

  it("children of the invalid branch that arrive later are bad-prevblk", async () => {
    const { chain, side } = await run(3, 5, 2);
    const late = nextBlock(p(side[4], 5));
    expect(outcome(await chain.submitBlock(late))).toBe("bad-prevblk");
    expect(outcome(await chain.submitBlock(side[3]))).toBe("bad-prevblk");
  });

  it("keeps what it decided across a restart from the same backend", async () => {
    const backend = new MemoryChainBackend();
    const { main, side } = branches(3, 5, 2);
    const chain = await openChain({ backend });
    await submitAll(chain, [...main, ...side]);
    const again = await openChain({ backend });
    expect(again.tip.hash).toBe(chain.tip.hash);
    expect(snapshot(again.utxos.entries())).toBe(snapshot(chain.utxos.entries()));
    expect(again.getEntry(blockHash(side[4].header))?.status).toBe("invalid");
    expect(outcome(await again.submitBlock(side[1]))).toBe("bad-txns-in-belowout");
  });
});

describe("block size", () => {
  it("a block of exactly maxBlockSize is allowed, one byte more is bad-blk-length", async () => {
    const b = nextBlock(GENESIS_PARENT);
    const size = encodeBlock(b).length;
    const fits = await openChainWith(size);
    expect(outcome(await fits.submitBlock(b))).toBe("accepted");
    const tight = await openChainWith(size - 1);
    expect(await tight.submitBlock(b)).toMatchObject({ ok: false, reason: "bad-blk-length", remembered: true });
  });

  it("a block without transactions is bad-blk-length", async () => {
    const chain = await openChain();
    const b = nextBlock(GENESIS_PARENT);
    const empty = {
      header: { ...b.header, merkleRoot: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" as Hash },
      txs: [],
    };
    // The header changed, so it needs its proof of work again.
    const solved = { header: solveHeader(empty.header, DEVNET), txs: [] };
    expect(outcome(await chain.submitBlock(solved))).toBe("bad-blk-length");
  });
});

function openChainWith(maxBlockSize: number) {
  return openChain({ params: { ...DEVNET, maxBlockSize } });
}
