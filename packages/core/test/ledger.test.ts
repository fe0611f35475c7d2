import { describe, expect, it } from "vitest";
import { type Amount, buildBlock, ChainState, DEVNET, devnetAccounts, MemoryChainBackend, subsidyAt, verifyLedger } from "../src/index.js";

async function chainWithBlocks(n: number) {
  const chain = await ChainState.open(DEVNET, new MemoryChainBackend(), { now: () => DEVNET.genesis.time + 100_000 });
  for (let h = 1; h <= n; h++) {
    const b = buildBlock(
      {
        prevHash: chain.tip.hash,
        height: h,
        time: DEVNET.genesis.time + h * 60,
        coinbaseOutputs: [{ value: subsidyAt(h, DEVNET) as Amount, pubkey: devnetAccounts()[h % 10].pubkey }],
      },
      DEVNET,
    );
    expect((await chain.submitBlock(b)).ok).toBe(true);
  }
  const blocks = [];
  for (let h = 0; h <= chain.height; h++) blocks.push({ height: h, block: (await chain.getBlock(chain.atHeight(h)!.hash))! });
  return { chain, blocks };
}

describe("verifyLedger", () => {
  it("agrees with itself whether given the set or its entries", async () => {
    const { chain, blocks } = await chainWithBlocks(5);
    const bySet = await verifyLedger(blocks, chain.utxos, DEVNET);
    const byEntries = await verifyLedger(blocks, chain.utxos.entries(), DEVNET);
    expect(bySet).toEqual(byEntries);
    expect(bySet).toMatchObject({ ok: true, height: 5, utxos: 15, negative: 0 });
    expect(bySet.supply).toBe(10n * 100_000_000_000n + 5n * 5_000_000_000n);
  });

  it("finds a coin whose value differs from what the blocks say", async () => {
    const { chain, blocks } = await chainWithBlocks(3);
    const [first] = [...chain.utxos.entries()];
    chain.utxos.add(first.txid, first.vout, { ...first.coin, value: (first.coin.value + 1n) as Amount });
    const r = await verifyLedger(blocks, chain.utxos, DEVNET);
    expect(r.ok).toBe(false);
    expect(r.problems.join(" ")).toMatch(/differs from the replay .*1 not found live/);
  });

  it("finds a coin that the blocks never created", async () => {
    const { chain, blocks } = await chainWithBlocks(2);
    chain.utxos.add("ab".repeat(32) as never, 0, { value: 1n as Amount, pubkey: devnetAccounts()[0].pubkey, height: 1, coinbase: false });
    const r = await verifyLedger(blocks, chain.utxos, DEVNET);
    expect(r.ok).toBe(false);
    expect(r.utxos).toBe(13);
  });
});
