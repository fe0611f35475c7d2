import { activeBlocks, GENESIS_PARENT, genesisCoin, nextBlock, openChain, out, spend } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { type Amount, COIN, DEVNET, expectedMaxSupply, subsidyAt, type UtxoEntry, verifyLedger } from "../src/index.js";

// verifyLedger is the invariant checker of the property tests and of the `verifyledger` RPC:
// these show it does not pass on anything.
async function smallChain() {
  const chain = await openChain();
  const tx = spend([genesisCoin(0)], [out(genesisCoin(0).coin.value - 100n, 5)]);
  const b1 = nextBlock(GENESIS_PARENT, { txs: [tx], fees: 100n });
  await chain.submitBlock(b1);
  return { chain, blocks: await activeBlocks(chain), live: [...chain.utxos.entries()] };
}

describe("verifyLedger", () => {
  it("reports ok for an honest chain, with its supply and the allowed maximum", async () => {
    const { blocks, live } = await smallChain();
    const r = await verifyLedger(blocks, live, DEVNET);
    expect(r).toMatchObject({ ok: true, height: 1, utxos: 11, negative: 0, problems: [] });
    expect(r.supply).toBe(10_000n * COIN + subsidyAt(1, DEVNET));
    expect(r.expectedMaxSupply).toBe(expectedMaxSupply(1, DEVNET));
  });

  it("finds a coin whose value was changed", async () => {
    const { blocks, live } = await smallChain();
    const forged: UtxoEntry[] = live.map((e, i) => (i === 0 ? { ...e, coin: { ...e.coin, value: (e.coin.value + 1n) as Amount } } : e));
    const r = await verifyLedger(blocks, forged, DEVNET);
    expect(r.ok).toBe(false);
    expect(r.problems.join("\n")).toMatch(/differs from the replay/);
  });

  it("finds a coin that should have been spent, and one that is missing", async () => {
    const { blocks, live } = await smallChain();
    expect((await verifyLedger(blocks, [...live, genesisCoin(0)], DEVNET)).ok).toBe(false);
    expect((await verifyLedger(blocks, live.slice(1), DEVNET)).ok).toBe(false);
  });

  it("finds supply above genesis plus every subsidy, and negative values", async () => {
    const { blocks, live } = await smallChain();
    const big = { ...live[0], coin: { ...live[0].coin, value: (expectedMaxSupply(1, DEVNET) + 1n) as Amount } };
    const r = await verifyLedger(blocks, [big, ...live.slice(1)], DEVNET);
    expect(r.problems.join("\n")).toMatch(/exceeds the allowed/);
    const neg = { ...live[0], coin: { ...live[0].coin, value: -1n as Amount } };
    const r2 = await verifyLedger(blocks, [neg, ...live.slice(1)], DEVNET);
    expect(r2).toMatchObject({ ok: false, negative: 1 });
  });

  it("finds a replayed chain that skips a height", async () => {
    const { chain } = await smallChain();
    const b2 = nextBlock({ hash: chain.tip.hash, height: 1, time: chain.tip.header.time });
    await chain.submitBlock(b2);
    const all = await activeBlocks(chain);
    const r = await verifyLedger([all[0], all[2]], [...chain.utxos.entries()], DEVNET);
    expect(r.problems.join("\n")).toMatch(/block at height 2 follows height 0/);
  });
});
