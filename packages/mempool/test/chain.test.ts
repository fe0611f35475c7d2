import { type Block, type BlockIndexEntry, blockHash, type ChainState, COIN, type Hash, txid } from "@utxolab/core";
import { blockOn, genesisCoin, mine, out, outputOf } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { Mempool, type MempoolEntry, type RemovalReason } from "../src/index.js";
import { payWithFee, setup } from "./helpers.js";

function record(pool: Mempool) {
  const log: string[] = [];
  pool.addListener({
    accepted: (e: MempoolEntry) => log.push(`accepted:${e.txid}`),
    removed: (e: MempoolEntry, why: RemovalReason) => log.push(`${why}:${e.txid}`),
  });
  return log;
}

async function submit(chain: ChainState, block: Block): Promise<BlockIndexEntry> {
  const r = await chain.submitBlock(block);
  if (!r.ok) throw new Error(`refused: ${r.reason} ${r.detail ?? ""}`);
  return chain.getEntry(blockHash(block.header)) as BlockIndexEntry;
}

describe("a block connects", () => {
  it("removes what it confirms, keeps their children, and removes conflicts with their descendants", async () => {
    const { pool, chain } = await setup();
    const log = record(pool);
    const parent = payWithFee([genesisCoin(0)], [out(COIN, 1)], { rate: 1n });
    const child = payWithFee([outputOf(parent, 0)], [], { rate: 1n }, 1);
    const loser = payWithFee([genesisCoin(2)], [out(COIN, 3)], { rate: 1n }, 2);
    const loserChild = payWithFee([outputOf(loser, 0)], [], { rate: 1n }, 3);
    const bystander = payWithFee([genesisCoin(4)], [], { rate: 1n }, 4);
    for (const tx of [parent, child, loser, loserChild, bystander]) expect(pool.accept(tx).ok).toBe(true);
    log.length = 0;
    const winner = payWithFee([genesisCoin(2)], [], { rate: 1n }, 5);
    await mine(chain, [parent, winner]);
    expect(log).toEqual([`block:${txid(parent)}`, `conflict:${txid(loserChild)}`, `conflict:${txid(loser)}`]);
    expect(pool.entries().map((e) => e.txid)).toEqual([txid(child), txid(bystander)]);
    expect(pool.get(txid(child))).toMatchObject({ ancestorCount: 1, ancestorSize: pool.get(txid(child))?.size, parents: new Set() });
    expect(pool.spenderOf(genesisCoin(2).txid, 2)).toBeUndefined();
    expect(pool.getCoin(txid(parent), 0)).toBeUndefined();
    expect(pool.bytes).toBe(pool.entries().reduce((s, e) => s + e.size, 0));
    // the confirmed parent is known now
    expect(pool.accept(parent)).toMatchObject({ ok: false, reason: "txn-already-known" });
  });

  it("a block holding pool transactions connects without verifying their signatures again", async () => {
    const { pool, chain } = await setup();
    const tx = payWithFee([genesisCoin(0)], [], { rate: 1n });
    pool.accept(tx);
    expect(chain.sigCache.has(txid(tx))).toBe(true);
    await mine(chain, [tx]);
    expect(pool.size).toBe(0);
  });
});

describe("a reorganization", () => {
  it("returns the disconnected blocks' transactions and drops what the new chain conflicts with or no longer has", async () => {
    const { pool, chain } = await setup();
    const genesis = chain.tip;
    // branch A: A1 pays its coinbase to account 5 and confirms t1; A2 confirms `both`; A3 confirms `lost`
    const t1 = payWithFee([genesisCoin(0)], [out(COIN, 1)], { rate: 1n });
    const a1 = await mine(chain, [t1], { payTo: 5 });
    const both = payWithFee([genesisCoin(6)], [], { rate: 1n }, 6);
    await mine(chain, [both]);
    const lost = payWithFee([genesisCoin(7)], [], { rate: 1n }, 7);
    await mine(chain, [lost]);
    for (let h = chain.height; h < 10; h++) await mine(chain);
    const log = record(pool);
    // waiting: a child of t1, a spend of genesis output 1, and a spend of A1's coinbase (mature at height 11)
    const t2 = payWithFee([outputOf(t1, 0)], [], { rate: 1n }, 1);
    const t3 = payWithFee([genesisCoin(1)], [], { rate: 1n }, 1);
    const t4 = payWithFee([outputOf(a1.txs[0], 0)], [], { rate: 1n }, 5);
    const t4child = payWithFee([outputOf(t4, 0)], [], { rate: 1n }, 5);
    for (const tx of [t2, t3, t4, t4child]) expect(pool.accept(tx).ok).toBe(true);
    log.length = 0;

    // branch B from genesis, one block longer: double-spends genesis outputs 1 and 7, also confirms `both`
    const t3b = payWithFee([genesisCoin(1)], [out(COIN, 2)], { rate: 1n }, 1);
    const lostB = payWithFee([genesisCoin(7)], [out(COIN, 2)], { rate: 1n }, 7);
    let parent = genesis;
    const bTxs: Record<number, (typeof t1)[]> = { 1: [t3b], 2: [both], 3: [lostB] };
    for (let h = 1; h <= 11; h++) parent = await submit(chain, blockOn(chain, bTxs[h] ?? [], { parent, extra: 1 }));
    expect(chain.tip.hash).toBe(parent.hash);

    expect(pool.entries().map((e) => e.txid)).toEqual([txid(t1), txid(t2)]);
    expect(pool.get(txid(t2))).toMatchObject({ ancestorCount: 2, parents: new Set([txid(t1)]) });
    expect(pool.get(txid(t1))).toMatchObject({ descendantCount: 2, height: 11 });
    expect(log).toContain(`conflict:${txid(t3)}`);
    expect(log).toContain(`reorg:${txid(t4)}`);
    expect(log).toContain(`reorg:${txid(t4child)}`);
    expect(log).toContain(`accepted:${txid(t1)}`);
    expect(log.filter((l) => l.includes(txid(both)) || l.includes(txid(lost)))).toEqual([]);
    expect(log.indexOf(`reorg:${txid(t4child)}`)).toBeLessThan(log.indexOf(`reorg:${txid(t4)}`));

    // the pool is minable on the new tip
    const tpl = pool.template();
    expect(tpl.txs.map(txid)).toEqual([txid(t1), txid(t2)]);
    await mine(chain, tpl.txs, { fees: tpl.fees });
    expect(pool.size).toBe(0);
  });

  it("puts a chain of disconnected transactions back in block order even past the chain limit", async () => {
    const { chain } = await setup();
    const pool = new Mempool(chain, { maxAncestors: 3, maxDescendants: 3 });
    const genesis = chain.tip;
    const txs = [];
    let coin = genesisCoin(0);
    for (let i = 0; i < 5; i++) {
      const tx = payWithFee([coin], [], { rate: 1n });
      txs.push(tx);
      coin = outputOf(tx, 0);
    }
    await mine(chain, txs.slice(0, 3));
    await mine(chain, txs.slice(3));
    let parent = genesis;
    for (let h = 1; h <= 3; h++) parent = await submit(chain, blockOn(chain, [], { parent, extra: 2 }));
    expect(pool.entries().map((e) => e.txid)).toEqual(txs.map(txid));
    expect(pool.get(txid(txs[4]))?.ancestorCount).toBe(5);
    // new transactions still meet the limits
    expect(pool.accept(payWithFee([coin], [], { rate: 1n }))).toMatchObject({ ok: false, reason: "too-long-mempool-chain" });
  });
});

describe("orphans", () => {
  it("holds a child until its parent arrives, then accepts the chain in order", async () => {
    const { pool } = await setup();
    const log = record(pool);
    const parent = payWithFee([genesisCoin(0)], [out(COIN, 1)], { rate: 1n });
    const child = payWithFee([outputOf(parent, 0)], [out(COIN / 2n, 2)], { rate: 1n }, 1);
    const grandchild = payWithFee([outputOf(child, 0)], [], { rate: 1n }, 2);
    expect(pool.accept(grandchild, { allowOrphan: true })).toMatchObject({ ok: false, orphaned: true, missingInputs: true });
    expect(pool.accept(child, { allowOrphan: true })).toMatchObject({ ok: false, orphaned: true });
    expect(pool.orphanCount).toBe(2);
    expect(pool.size).toBe(0);
    const r = pool.accept(parent);
    expect(r).toMatchObject({ ok: true, orphansAccepted: [txid(child), txid(grandchild)] });
    expect(pool.orphanCount).toBe(0);
    expect(log).toEqual([`accepted:${txid(parent)}`, `accepted:${txid(child)}`, `accepted:${txid(grandchild)}`]);
  });

  it("is bounded: the oldest orphan leaves first", async () => {
    const { chain } = await setup();
    const pool = new Mempool(chain, { maxOrphans: 2 });
    const parents = [0, 1, 2].map((i) => payWithFee([genesisCoin(i)], [out(COIN, i)], { rate: 1n }, i));
    const kids = parents.map((p, i) => payWithFee([outputOf(p, 0)], [], { rate: 1n }, i));
    for (const k of kids) expect(pool.accept(k, { allowOrphan: true })).toMatchObject({ orphaned: true });
    expect(pool.orphanCount).toBe(2);
    expect(pool.accept(parents[0])).toMatchObject({ ok: true, orphansAccepted: [] });
    expect(pool.accept(parents[2])).toMatchObject({ ok: true, orphansAccepted: [txid(kids[2])] });
  });

  it("enters when its parent is confirmed by a block, and expires otherwise", async () => {
    const { pool, chain, clock } = await setup();
    const parent = payWithFee([genesisCoin(0)], [out(COIN, 1)], { rate: 1n });
    const child = payWithFee([outputOf(parent, 0)], [], { rate: 1n }, 1);
    pool.accept(child, { allowOrphan: true });
    await mine(chain, [parent]);
    expect(pool.has(txid(child))).toBe(true);
    const other = payWithFee([outputOf(payWithFee([genesisCoin(3)], [], { rate: 1n }, 3), 0)], [], { rate: 1n }, 3);
    pool.accept(other, { allowOrphan: true });
    expect(pool.orphanCount).toBe(1);
    pool.expire(clock.now + 20 * 60);
    expect(pool.orphanCount).toBe(1);
    pool.expire(clock.now + 20 * 60 + 1);
    expect(pool.orphanCount).toBe(0);
  });

  it("a dry run never holds an orphan", async () => {
    const { pool } = await setup();
    const parent = payWithFee([genesisCoin(0)], [out(COIN, 1)], { rate: 1n });
    const child = payWithFee([outputOf(parent, 0)], [], { rate: 1n }, 1);
    expect(pool.accept(child, { allowOrphan: true, dryRun: true })).toMatchObject({ ok: false, missingInputs: true });
    expect(pool.orphanCount).toBe(0);
  });
});

describe("expiry", () => {
  it("removes a transaction after 14 days with its descendants, not a second before", async () => {
    const { pool, clock } = await setup();
    const log = record(pool);
    const start = clock.now;
    const parent = payWithFee([genesisCoin(0)], [out(COIN, 1)], { rate: 1n });
    pool.accept(parent);
    clock.now += 3600;
    const child = payWithFee([outputOf(parent, 0)], [], { rate: 1n }, 1);
    pool.accept(child);
    const young = payWithFee([genesisCoin(2)], [], { rate: 1n }, 2);
    pool.accept(young);
    const days14 = 14 * 24 * 3600;
    expect(pool.expire(start + days14)).toEqual([]);
    expect(pool.size).toBe(3);
    expect(pool.expire(start + days14 + 1)).toEqual([txid(child), txid(parent)]);
    expect(pool.entries().map((e) => e.txid)).toEqual([txid(young)]);
    expect(log.slice(-2)).toEqual([`expired:${txid(child)}`, `expired:${txid(parent)}`]);
  });

  it("runs when a block connects", async () => {
    const { pool, chain, clock } = await setup();
    const tx = payWithFee([genesisCoin(0)], [], { rate: 1n });
    pool.accept(tx);
    clock.now += 14 * 24 * 3600 + 1;
    await mine(chain);
    expect(pool.has(txid(tx) as Hash)).toBe(false);
  });
});

describe("listeners", () => {
  it("a throwing listener is reported and neither the pool nor the other listeners suffer", async () => {
    const { chain } = await setup();
    const errors: unknown[] = [];
    const pool = new Mempool(chain, { onListenerError: (e) => errors.push(e) });
    const seen: string[] = [];
    pool.addListener({
      accepted: () => {
        throw new Error("listener bug");
      },
      removed: () => {
        throw new Error("listener bug");
      },
    });
    pool.addListener({ accepted: (e) => seen.push(e.txid), removed: (e, why) => seen.push(`${why}:${e.txid}`) });
    const tx = payWithFee([genesisCoin(0)], [], { rate: 1n });
    expect(pool.accept(tx).ok).toBe(true);
    await mine(chain, [tx]);
    expect(seen).toEqual([txid(tx), `block:${txid(tx)}`]);
    expect(errors.map((e) => (e as Error).message)).toEqual(["listener bug", "listener bug"]);
    expect(pool.size).toBe(0);
  });
});
