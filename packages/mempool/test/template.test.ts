import { blockSize, COIN, DEVNET, HEADER_SIZE, subsidyAt, txid } from "@utxolab/core";
import { blockOn, genesisCoin, mine, out, outputOf } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { fanOut, payWithFee, setup, sizeFor } from "./helpers.js";

describe("block template", () => {
  it("orders independent transactions by fee rate and sums their fees exactly", async () => {
    const { pool } = await setup();
    const low = payWithFee([genesisCoin(0)], [], { rate: 1n }, 0);
    const high = payWithFee([genesisCoin(1)], [], { rate: 5n }, 1);
    const mid = payWithFee([genesisCoin(2)], [], { exact: 3n * BigInt(sizeFor(1, 1)) + 1n }, 2);
    for (const tx of [low, high, mid]) expect(pool.accept(tx).ok).toBe(true);
    const tpl = pool.template();
    expect(tpl.txs.map(txid)).toEqual([txid(high), txid(mid), txid(low)]);
    const fees = [low, high, mid].reduce((s, tx) => s + (pool.get(txid(tx))?.fee ?? 0n), 0n);
    expect(tpl.fees).toBe(fees);
    expect(tpl.size).toBe(sizeFor(1, 1) * 3);
  });

  it("a child paying for its parent lifts the pair (CPFP), parents always first", async () => {
    const { pool } = await setup();
    const parent = payWithFee([genesisCoin(0)], [], { rate: 1n }, 0);
    const child = payWithFee([outputOf(parent, 0)], [], { rate: 20n }, 0);
    const other = payWithFee([genesisCoin(1)], [], { rate: 5n }, 1);
    const lonely = payWithFee([genesisCoin(2)], [], { rate: 2n }, 2);
    const lonelyChild = payWithFee([outputOf(lonely, 0)], [], { rate: 1n }, 2);
    for (const tx of [parent, child, other, lonely, lonelyChild]) expect(pool.accept(tx).ok).toBe(true);
    expect(pool.template().txs.map(txid)).toEqual([txid(parent), txid(child), txid(other), txid(lonely), txid(lonelyChild)]);
  });

  it("respects the block size minus the coinbase reserve, passing over a package that does not fit", async () => {
    const { pool } = await setup();
    const small = sizeFor(1, 1);
    const bigTx = payWithFee(
      [genesisCoin(0)],
      Array.from({ length: 20 }, () => out(COIN, 1)),
      { rate: 10n },
    );
    const a = payWithFee([genesisCoin(1)], [], { rate: 4n }, 1);
    const b = payWithFee([genesisCoin(2)], [], { rate: 3n }, 2);
    const c = payWithFee([genesisCoin(3)], [], { rate: 2n }, 3);
    for (const tx of [bigTx, a, b, c]) expect(pool.accept(tx).ok).toBe(true);
    const reserve = 500;
    // header, up to 9 bytes of transaction count, the reserve, and room for two small transactions
    const maxBlockSize = HEADER_SIZE + 9 + reserve + 2 * small;
    const tpl = pool.template({ maxBlockSize, coinbaseReserve: reserve });
    expect(tpl.txs.map(txid)).toEqual([txid(a), txid(b)]);
    expect(tpl.size).toBe(2 * small);
    const one = pool.template({ maxBlockSize: maxBlockSize - 1, coinbaseReserve: reserve });
    expect(one.txs.map(txid)).toEqual([txid(a)]);
    expect(pool.template({ maxBlockSize: 10, coinbaseReserve: 1000 })).toEqual({ txs: [], fees: 0n, size: 0 });
    expect(pool.template().txs.map(txid)).toEqual([txid(bigTx), txid(a), txid(b), txid(c)]);
  });

  it("a block built from the template connects, claiming exactly subsidy + fees", async () => {
    const { pool, chain } = await setup();
    let coin = genesisCoin(0);
    for (let i = 0; i < 5; i++) {
      const tx = payWithFee([coin], [out(COIN, 4)], { rate: BigInt(i + 1) });
      expect(pool.accept(tx).ok).toBe(true);
      coin = outputOf(tx, 1);
    }
    for (let k = 1; k < 8; k++) expect(pool.accept(payWithFee([genesisCoin(k)], [], { rate: BigInt(k) }, k)).ok).toBe(true);
    const tpl = pool.template({ maxBlockSize: DEVNET.maxBlockSize, coinbaseReserve: 1000 });
    expect(tpl.txs.length).toBe(12);
    const greedy = blockOn(chain, tpl.txs, { fees: tpl.fees + 1n });
    expect(await chain.submitBlock(greedy)).toMatchObject({ ok: false, reason: "bad-cb-amount" });
    const block = blockOn(chain, tpl.txs, { fees: tpl.fees });
    expect(blockSize(block)).toBeLessThanOrEqual(DEVNET.maxBlockSize);
    expect(await chain.submitBlock(block)).toMatchObject({ ok: true, active: true });
    expect(block.txs[0].outputs[0].value).toBe(subsidyAt(1, DEVNET) + tpl.fees);
    expect(pool.size).toBe(0);
  });

  it("a chain's template fills the block and the block stays under the limit", async () => {
    const { pool, chain } = await setup();
    const coins = await fanOut(chain, 0, 60, 10n * COIN);
    for (const c of coins) expect(pool.accept(payWithFee([c], [], { rate: 2n })).ok).toBe(true);
    const size = sizeFor(1, 1);
    const reserve = 300;
    const maxBlockSize = HEADER_SIZE + 9 + reserve + 40 * size + size - 1;
    const tpl = pool.template({ maxBlockSize, coinbaseReserve: reserve });
    expect(tpl.txs.length).toBe(40);
    const block = await mine(chain, tpl.txs, { fees: tpl.fees });
    expect(blockSize(block)).toBeLessThanOrEqual(maxBlockSize);
    expect(pool.size).toBe(20);
  });
});
