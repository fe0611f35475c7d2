// One template() (src/template.ts) for the miner and getblocktemplate: the block the miner
// builds next holds what getblocktemplate shows, and claims its coinbase value.

import { accounts, cleanupAfterEach, coin, GENESIS_VALUE, genesisCoin, pay } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { txid } from "../../core/src/index.js";
import { UtxoNode } from "../src/index.js";
import { methods } from "../src/rpc/methods.js";
import { QUIET } from "./helpers.js";

const cleanup = cleanupAfterEach();

interface Gbt {
  height: number;
  prevHash: string;
  txs: { txid: string }[];
  fees: string;
  coinbaseValue: string;
}

describe("getblocktemplate and the miner", () => {
  it("agree on the next block's transactions and coinbase value", async () => {
    const node = await UtxoNode.start({ ...QUIET, web: false });
    cleanup.push(() => node.stop());
    const rpc = methods(node);
    const parent = pay(
      [genesisCoin(1)],
      [
        [2, 5_000_000n],
        [1, GENESIS_VALUE - 5_000_000n - 3000n],
      ],
    );
    const child = pay([coin(parent.txid, 0, 5_000_000n, 2)], [[3, 5_000_000n - 7000n]]);
    const other = pay(
      [genesisCoin(4)],
      [
        [5, 1_000_000n],
        [4, GENESIS_VALUE - 1_000_000n - 2000n],
      ],
    );
    for (const p of [parent, child, other]) expect(node.submitTx(p.tx, "test").ok).toBe(true);

    const gbt = (await rpc.getblocktemplate([])) as Gbt;
    const block = await node.miner.buildBlock(accounts[9].pubkey);
    expect(gbt.txs).toHaveLength(3);
    expect(gbt.fees).toBe("12000");
    expect(block.header.prevHash).toBe(gbt.prevHash);
    expect(block.txs.slice(1).map(txid)).toEqual(gbt.txs.map((t) => t.txid));
    const claimed = block.txs[0].outputs.reduce((s, o) => s + o.value, 0n);
    expect(claimed.toString()).toBe(gbt.coinbaseValue);
    expect(BigInt(gbt.coinbaseValue)).toBeGreaterThan(BigInt(gbt.fees));
  });
});
