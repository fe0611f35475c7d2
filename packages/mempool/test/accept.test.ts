import { type Amount, COIN, makeCoinbase, signTx, type Transaction, txid, txSize } from "@utxolab/core";
import { accounts, genesisCoin, mine, out, outputOf, spend } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { type AcceptResult, Mempool } from "../src/index.js";
import { fanOut, payWithFee, setup, sizeFor } from "./helpers.js";

function refused(r: AcceptResult) {
  if (r.ok) throw new Error(`expected a refusal, got acceptance of ${r.txid}`);
  return r;
}

describe("accepting a transaction", () => {
  it("accepts a signed spend with its exact fee and shows it in the pool view", async () => {
    const { pool, chain } = await setup();
    const tx = spend([genesisCoin(0)], [out(400n * COIN, 1), out(599n * COIN, 0)]);
    const r = pool.accept(tx);
    expect(r).toMatchObject({ ok: true, txid: txid(tx), fee: COIN, size: txSize(tx), evicted: [], orphansAccepted: [] });
    expect(pool.size).toBe(1);
    expect(pool.bytes).toBe(txSize(tx));
    const e = pool.get(txid(tx));
    expect(e).toMatchObject({ fee: COIN, height: chain.height, ancestorCount: 1, descendantCount: 1, ancestorFee: COIN });
    expect(pool.spenderOf(genesisCoin(0).txid, 0)).toBe(txid(tx));
    expect(pool.getCoin(genesisCoin(0).txid, 0)).toBeUndefined();
    expect(pool.getCoin(genesisCoin(0).txid, 1)?.value).toBe(1000n * COIN);
    expect(pool.getCoin(txid(tx), 0)).toMatchObject({ value: 400n * COIN, height: chain.height + 1, coinbase: false });
    expect(pool.getCoin(txid(tx), 2)).toBeUndefined();
  });

  it("accepts a child of a waiting parent and links them", async () => {
    const { pool } = await setup();
    const parent = payWithFee([genesisCoin(0)], [out(10n * COIN, 1)], { rate: 1n });
    const child = payWithFee([outputOf(parent, 0)], [], { rate: 2n }, 1);
    expect(pool.accept(parent).ok).toBe(true);
    expect(pool.accept(child).ok).toBe(true);
    const p = pool.get(txid(parent))!;
    const c = pool.get(txid(child))!;
    expect([...p.children]).toEqual([txid(child)]);
    expect([...c.parents]).toEqual([txid(parent)]);
    expect(c).toMatchObject({ ancestorCount: 2, ancestorFee: p.fee + c.fee, ancestorSize: p.size + c.size });
    expect(p).toMatchObject({ descendantCount: 2, descendantFee: p.fee + c.fee, descendantSize: p.size + c.size });
  });

  it("dryRun checks everything and keeps nothing", async () => {
    const { pool } = await setup();
    const tx = payWithFee([genesisCoin(0)], [], { rate: 1n });
    const events: string[] = [];
    pool.addListener({ accepted: (e) => events.push(e.txid) });
    expect(pool.accept(tx, { dryRun: true })).toMatchObject({ ok: true, txid: txid(tx) });
    expect(pool.size).toBe(0);
    expect(pool.spenderOf(genesisCoin(0).txid, 0)).toBeUndefined();
    expect(events).toEqual([]);
    expect(pool.accept(tx).ok).toBe(true);
  });
});

describe("every refusal reason", () => {
  it("txn-already-in-mempool", async () => {
    const { pool } = await setup();
    const tx = payWithFee([genesisCoin(0)], [], { rate: 1n });
    pool.accept(tx);
    const r = refused(pool.accept(tx));
    expect(r).toMatchObject({ reason: "txn-already-in-mempool", consensus: false });
    expect(r.detail).toContain(txid(tx));
  });

  it("txn-already-known: confirmed in a recent block, or older with an output unspent", async () => {
    const { pool, chain } = await setup();
    const tx = payWithFee([genesisCoin(0)], [], { rate: 1n });
    await mine(chain, [tx]);
    expect(refused(pool.accept(tx))).toMatchObject({ reason: "txn-already-known", detail: expect.stringContaining("height 1") });
    // A pool started later has no memory of recent blocks: the unspent output tells.
    const fresh = new Mempool(chain);
    expect(refused(fresh.accept(tx)).reason).toBe("txn-already-known");
  });

  it("txn-mempool-conflict", async () => {
    const { pool } = await setup();
    const a = payWithFee([genesisCoin(0)], [], { rate: 1n }, 0);
    const b = payWithFee([genesisCoin(0)], [], { rate: 5n }, 1);
    pool.accept(a);
    const r = refused(pool.accept(b));
    expect(r).toMatchObject({ reason: "txn-mempool-conflict", consensus: false });
    expect(r.detail).toContain(txid(a));
  });

  it("coinbase", async () => {
    const { pool } = await setup();
    const cb = makeCoinbase(1, [{ value: COIN, pubkey: accounts[0].pubkey }]);
    expect(refused(pool.accept(cb))).toMatchObject({ reason: "coinbase", consensus: false });
  });

  it("context-free consensus rules come first and mark the sender", async () => {
    const { pool } = await setup();
    const noOutputs: Transaction = {
      version: 1,
      inputs: [{ prevTxid: genesisCoin(0).txid, vout: 0, witness: new Uint8Array(64) }],
      outputs: [],
      locktime: 0,
    };
    expect(refused(pool.accept(noOutputs))).toMatchObject({ reason: "bad-txns-vout-empty", consensus: true });
    const shortSig: Transaction = {
      ...noOutputs,
      inputs: [{ ...noOutputs.inputs[0], witness: new Uint8Array(10) }],
      outputs: [{ value: COIN, pubkey: accounts[0].pubkey }],
    };
    // also version 2 and an unknown input: the context-free rule wins
    expect(refused(pool.accept({ ...shortSig, version: 2 }))).toMatchObject({ reason: "bad-txns-witness-size", consensus: true });
  });

  it("version must be 1", async () => {
    const { pool } = await setup();
    const tx = payWithFee([genesisCoin(0)], [], { rate: 1n }, 0, { version: 2 });
    expect(refused(pool.accept(tx))).toMatchObject({ reason: "version", consensus: false, detail: expect.stringContaining("version 2") });
  });

  it("dust: 546 units pass, 545 do not", async () => {
    const { pool } = await setup();
    expect(pool.accept(payWithFee([genesisCoin(0)], [out(546n, 1)], { rate: 1n })).ok).toBe(true);
    const r = refused(pool.accept(payWithFee([genesisCoin(1)], [out(545n, 1)], { rate: 1n })));
    expect(r).toMatchObject({ reason: "dust", consensus: false });
    expect(r.detail).toContain("545 units < dust limit 546");
  });

  it("tx-size: exactly 100,000 bytes pass; over the limit does not", async () => {
    const { pool, chain } = await setup();
    // 28 inputs and 2,429 outputs make exactly 100,000 bytes.
    expect(sizeFor(28, 2429)).toBe(100_000);
    const coins = await fanOut(chain, 0, 28, 30n * COIN);
    const pay = Array.from({ length: 2428 }, () => out(1000n, 1));
    const big = payWithFee(coins, pay, { rate: 1n });
    expect(txSize(big)).toBe(100_000);
    const strict = new Mempool(chain, { maxTxSize: 99_999 });
    const r = refused(strict.accept(big));
    expect(r).toMatchObject({ reason: "tx-size", consensus: false, detail: expect.stringContaining("size 100000 > max 99999") });
    expect(pool.accept(big)).toMatchObject({ ok: true, size: 100_000 });
  });

  it("missing inputs: refused with missingInputs, held only when asked", async () => {
    const { pool } = await setup();
    const parent = payWithFee([genesisCoin(0)], [out(COIN, 1)], { rate: 1n });
    const child = payWithFee([outputOf(parent, 0)], [], { rate: 1n }, 1);
    const r = refused(pool.accept(child));
    expect(r).toMatchObject({ reason: "bad-txns-inputs-missingorspent", missingInputs: true, consensus: false });
    expect(r.orphaned).toBeUndefined();
    expect(r.detail).toContain("send the parent first");
    expect(pool.orphanCount).toBe(0);
  });

  it("a spent input is not held as an orphan", async () => {
    const { pool, chain } = await setup();
    const a = payWithFee([genesisCoin(0)], [], { rate: 1n }, 0);
    await mine(chain, [a]);
    const b = payWithFee([genesisCoin(0)], [], { rate: 1n }, 1);
    const r = refused(pool.accept(b, { allowOrphan: true }));
    expect(r).toMatchObject({ reason: "bad-txns-inputs-missingorspent", missingInputs: true });
    expect(r.orphaned).toBeUndefined();
    expect(r.detail).toContain("its transaction is known");
  });

  it("bad-txns-premature-spend-of-coinbase until the coinbase is 10 blocks deep", async () => {
    const { pool, chain } = await setup();
    const block = await mine(chain, [], { payTo: 3 });
    const cbCoin = outputOf(block.txs[0], 0);
    const tx = payWithFee([cbCoin], [], { rate: 1n }, 3);
    // made at height 1: spendable from height 11, i.e. with the tip at 10
    for (let h = chain.height; h < 9; h++) await mine(chain);
    expect(chain.height).toBe(9);
    const r = refused(pool.accept(tx));
    expect(r).toMatchObject({ reason: "bad-txns-premature-spend-of-coinbase", consensus: false });
    expect(r.detail).toContain("spendable from height 11, not 10");
    await mine(chain);
    expect(pool.accept(tx).ok).toBe(true);
  });

  it("bad-txns-in-belowout", async () => {
    const { pool } = await setup();
    const tx = spend([genesisCoin(0)], [out(1000n * COIN + 1n, 1)]);
    expect(refused(pool.accept(tx))).toMatchObject({
      reason: "bad-txns-in-belowout",
      consensus: true,
      detail: `in ${1000n * COIN} < out ${1000n * COIN + 1n}`,
    });
  });

  it("bad-txns-nonfinal: locktime up to the next height passes", async () => {
    const { pool, chain } = await setup();
    await mine(chain);
    const late = payWithFee([genesisCoin(0)], [], { rate: 1n }, 0, { locktime: chain.height + 2 });
    expect(refused(pool.accept(late))).toMatchObject({ reason: "bad-txns-nonfinal", consensus: false });
    const next = payWithFee([genesisCoin(1)], [], { rate: 1n }, 1, { locktime: chain.height + 1 });
    expect(pool.accept(next).ok).toBe(true);
  });

  it("bad-txns-sig, and a bad signature is never cached", async () => {
    const { pool, chain } = await setup();
    const good = payWithFee([genesisCoin(0)], [], { rate: 1n });
    const forged = signTx(
      good,
      [{ value: genesisCoin(0).coin.value as Amount, pubkey: accounts[0].pubkey }],
      [accounts[1].sk],
      new Uint8Array(32),
    );
    const r = refused(pool.accept(forged));
    expect(r).toMatchObject({ reason: "bad-txns-sig", consensus: true });
    expect(chain.sigCache.has(txid(forged))).toBe(false);
    expect(refused(pool.accept(forged)).reason).toBe("bad-txns-sig");
    expect(pool.accept(good).ok).toBe(true);
    expect(chain.sigCache.has(txid(good))).toBe(true);
  });

  it("min-relay-fee-not-met: fee equal to the size passes, one unit less does not", async () => {
    const { pool } = await setup();
    const size = sizeFor(1, 2);
    const ok = payWithFee([genesisCoin(0)], [out(COIN, 1)], { exact: BigInt(size) });
    expect(pool.accept(ok)).toMatchObject({ ok: true, fee: BigInt(size) });
    const low = payWithFee([genesisCoin(1)], [out(COIN, 2)], { exact: BigInt(size) - 1n }, 1);
    const r = refused(pool.accept(low));
    expect(r).toMatchObject({ reason: "min-relay-fee-not-met", consensus: false });
    expect(r.detail).toBe(`fee ${size - 1} < ${size} units (1 per byte × ${size} bytes); add at least 1 unit of fee`);
  });

  it("min-relay-fee-not-met honours a configured rate", async () => {
    const { chain } = await setup();
    const pool = new Mempool(chain, { minRelayFeeRate: 3n });
    expect(refused(pool.accept(payWithFee([genesisCoin(0)], [], { rate: 2n }))).reason).toBe("min-relay-fee-not-met");
    expect(pool.accept(payWithFee([genesisCoin(0)], [], { rate: 3n })).ok).toBe(true);
  });

  it("too-long-mempool-chain: 25 in a chain pass, the 26th does not", async () => {
    const { pool } = await setup();
    let coin = genesisCoin(0);
    for (let i = 1; i <= 25; i++) {
      const tx = payWithFee([coin], [], { rate: 1n });
      expect(pool.accept(tx).ok, `tx ${i}`).toBe(true);
      coin = outputOf(tx, 0);
    }
    const r = refused(pool.accept(payWithFee([coin], [], { rate: 1n })));
    expect(r).toMatchObject({ reason: "too-long-mempool-chain", consensus: false });
    expect(r.detail).toContain("26 unconfirmed ancestors counting itself, max 25");
  });

  it("too-long-mempool-chain: a waiting transaction takes at most 24 descendants", async () => {
    const { pool } = await setup();
    const parent = payWithFee(
      [genesisCoin(0)],
      Array.from({ length: 25 }, () => out(COIN, 1)),
      { rate: 1n },
    );
    expect(pool.accept(parent).ok).toBe(true);
    for (let v = 0; v < 24; v++) expect(pool.accept(payWithFee([outputOf(parent, v)], [], { rate: 1n }, 1)).ok).toBe(true);
    expect(pool.get(txid(parent))?.descendantCount).toBe(25);
    const r = refused(pool.accept(payWithFee([outputOf(parent, 24)], [], { rate: 1n }, 1)));
    expect(r).toMatchObject({ reason: "too-long-mempool-chain" });
    expect(r.detail).toContain(`waiting transaction ${txid(parent)} would have 26 unconfirmed descendants`);
  });

  it("mempool-full: the lowest package leaves with its descendants; a newcomer that would leave first is refused", async () => {
    const { chain } = await setup();
    const size = sizeFor(1, 1);
    const parentSize = sizeFor(1, 2);
    // room for exactly four one-in-one-out transactions and one parent
    const pool = new Mempool(chain, { maxBytes: size * 4 + parentSize });
    const removed: string[] = [];
    pool.addListener({ removed: (e, why) => removed.push(`${why}:${e.txid}`) });
    const cheapParent = payWithFee([genesisCoin(0)], [out(COIN, 1)], { rate: 1n });
    const cheapChild = payWithFee([outputOf(cheapParent, 0)], [], { rate: 2n }, 1);
    const mid = payWithFee([genesisCoin(2)], [], { rate: 3n }, 2);
    const high = payWithFee([genesisCoin(3)], [], { rate: 5n }, 3);
    for (const tx of [cheapParent, cheapChild, mid, high]) expect(pool.accept(tx).ok).toBe(true);
    expect(pool.bytes).toBe(size * 3 + parentSize);
    // one more fits exactly
    const fill = payWithFee([genesisCoin(4)], [], { rate: 4n }, 4);
    expect(pool.accept(fill)).toMatchObject({ ok: true, evicted: [] });
    // at 1 unit/byte a newcomer would itself be the first to leave (ties evict the newest)
    const poor = payWithFee([genesisCoin(5)], [], { rate: 1n }, 5);
    const r = refused(pool.accept(poor));
    expect(r).toMatchObject({ reason: "mempool-full", consensus: false });
    expect(r.detail).toContain("raise the fee");
    expect(pool.size).toBe(5);
    expect(removed).toEqual([]);
    // a better one pushes out the cheapest package: the parent (its own rate 1) with its child (package rate below 2)
    const rich = payWithFee([genesisCoin(6)], [], { rate: 10n }, 6);
    const ok = pool.accept(rich);
    expect(ok).toMatchObject({ ok: true });
    if (ok.ok) expect(new Set(ok.evicted)).toEqual(new Set([txid(cheapParent), txid(cheapChild)]));
    expect(removed).toEqual([`evicted:${txid(cheapChild)}`, `evicted:${txid(cheapParent)}`]);
    expect(pool.has(txid(mid)) && pool.has(txid(high)) && pool.has(txid(fill)) && pool.has(txid(rich))).toBe(true);
    expect(pool.bytes).toBeLessThanOrEqual(size * 4 + parentSize);
  });

  it("mempool-full keeps a cheap parent whose child pays for it", async () => {
    const { chain } = await setup();
    const size = sizeFor(1, 1);
    const pool = new Mempool(chain, { maxBytes: size * 3 });
    const parent = payWithFee([genesisCoin(0)], [], { rate: 1n });
    const child = payWithFee([outputOf(parent, 0)], [], { rate: 9n });
    const other = payWithFee([genesisCoin(1)], [], { rate: 3n }, 1);
    for (const tx of [parent, child, other]) expect(pool.accept(tx).ok).toBe(true);
    const r = pool.accept(payWithFee([genesisCoin(2)], [], { rate: 4n }, 2));
    expect(r).toMatchObject({ ok: true, evicted: [txid(other)] });
  });

  it("a dry run at a full pool reports what would leave and changes nothing", async () => {
    const { chain } = await setup();
    const size = sizeFor(1, 1);
    const pool = new Mempool(chain, { maxBytes: size });
    const low = payWithFee([genesisCoin(0)], [], { rate: 1n });
    pool.accept(low);
    const high = payWithFee([genesisCoin(1)], [], { rate: 2n }, 1);
    expect(pool.accept(high, { dryRun: true })).toMatchObject({ ok: true, evicted: [txid(low)] });
    expect(pool.has(txid(low))).toBe(true);
    expect(pool.get(txid(low))).toMatchObject({ descendantCount: 1, ancestorCount: 1 });
    expect(pool.size).toBe(1);
  });

  it("refuses nonsensical options when built", async () => {
    const { chain } = await setup();
    expect(() => new Mempool(chain, { maxAncestors: 0 })).toThrow(/maxAncestors/);
    expect(() => new Mempool(chain, { minRelayFeeRate: -1n })).toThrow(/minRelayFeeRate/);
  });
});
