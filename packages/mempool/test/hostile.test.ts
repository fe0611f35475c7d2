import { type Amount, type Hash, POLICY, type Transaction, txid } from "@utxolab/core";
import { genesisCoin, out, spend } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { Mempool } from "../src/index.js";
import { estimateTxMemory } from "../src/orphans.js";
import { payWithFee, setup } from "./helpers.js";

/** A transaction with `n` inputs spending unknown parents, all with garbage signatures. */
function manyInputs(n: number, seed: number): Transaction {
  return {
    version: 1,
    inputs: Array.from({ length: n }, (_, i) => ({
      prevTxid: (seed.toString(16).padStart(8, "0") + i.toString(16).padStart(56, "0")) as Hash,
      vout: 0,
      witness: new Uint8Array(64).fill(1),
    })),
    outputs: [{ value: 10_000n as Amount, pubkey: new Uint8Array(32).fill(2) }],
    locktime: 0,
  };
}

// Issue 12, attack 1 (pool variant): 980 inputs with a bad last signature cost ~4 s per copy.
describe("signature budget (policy)", () => {
  it("refuses a transaction with more inputs than maxTxSigs before any lookup or signature check", async () => {
    const { chain } = await setup();
    const pool = new Mempool(chain, { maxTxSigs: 3 });
    // four real, validly signed inputs: without the budget this would be accepted after 4 checks
    const coins = [0, 1, 2, 3].map((i) => genesisCoin(i));
    const tx = spend(coins, [out(1_000n * 100_000_000n, 0)]);
    const r = pool.accept(tx, { allowOrphan: true });
    expect(r).toMatchObject({ ok: false, reason: "too-many-sigs", consensus: false });
    expect(r.ok ? "" : r.detail).toMatch(/4 inputs .* max 3 per transaction/);
    expect(chain.sigCache.has(txid(tx))).toBe(false);
    // and an orphan over the budget is not held either
    expect(pool.accept(manyInputs(4, 1), { allowOrphan: true })).toMatchObject({ reason: "too-many-sigs" });
    expect(pool.orphanCount).toBe(0);
  });

  it("defaults to POLICY.maxTxSigs signatures: one input more is refused before its inputs are even looked up", async () => {
    const { pool } = await setup();
    // its parents are unknown: a later check would hold it as an orphan
    expect(pool.accept(manyInputs(POLICY.maxTxSigs + 1, 2), { allowOrphan: true })).toMatchObject({ ok: false, reason: "too-many-sigs" });
    expect(pool.orphanCount).toBe(0);
    expect(pool.accept(manyInputs(POLICY.maxTxSigs, 3), { allowOrphan: true })).toMatchObject({ ok: false, orphaned: true });
  });

  it("keeps a block template within maxBlockSigs", async () => {
    const { chain } = await setup();
    const pool = new Mempool(chain, { maxBlockSigs: 2 });
    const txs = [0, 1, 2].map((i) => payWithFee([genesisCoin(i)], [out(100_000_000n, i)], { rate: 1n }, i));
    for (const t of txs) expect(pool.accept(t)).toMatchObject({ ok: true });
    expect(pool.template().txs).toHaveLength(2);
    expect(pool.template({ maxSigs: 3 }).txs).toHaveLength(3);
  });
});

// Issue 12, attack 6: orphans were bounded by count only; their decoded size reached 430 MB.
describe("orphan memory bound", () => {
  it("counts the estimated memory of decoded orphans and evicts the oldest beyond maxOrphanBytes", async () => {
    const { chain } = await setup();
    const one = estimateTxMemory(manyInputs(50, 0));
    expect(one).toBeGreaterThan(50 * 64 * 3); // well above the raw signature bytes
    const pool = new Mempool(chain, { maxOrphans: 1_000, maxOrphanBytes: 3 * one });
    for (let i = 0; i < 10; i++) expect(pool.accept(manyInputs(50, 100 + i), { allowOrphan: true })).toMatchObject({ orphaned: true });
    expect(pool.orphanCount).toBe(3);
    expect(pool.orphanBytes).toBe(3 * one);
    expect(pool.orphanBytes).toBeLessThanOrEqual(3 * one);
  });

  it("never holds an orphan bigger than the whole budget", async () => {
    const { chain } = await setup();
    const pool = new Mempool(chain, { maxOrphanBytes: 1_000 });
    expect(pool.accept(manyInputs(10, 7), { allowOrphan: true })).toMatchObject({ ok: false });
    expect(pool.orphanCount).toBe(0);
    expect(pool.orphanBytes).toBe(0);
  });
});
