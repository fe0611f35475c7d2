// durability's mempool.dat × --automine: transactions reloaded at start are confirmed at once,
// as if they had just arrived, not left waiting for the next new transaction.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { address, cleanupAfterEach, genesisCoin, pay } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { UtxoNode } from "../src/index.js";

const cleanup = cleanupAfterEach();

describe("--automine and a pool reloaded from mempool.dat", () => {
  it("mines the reloaded transactions without waiting for a new one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "utxolab-automine-pool-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const base = { datadir: dir, rpcPort: 0, p2pPort: 0, rpcToken: "t", web: false, log: () => undefined } as const;
    const first = await UtxoNode.start(base);
    const p = pay([genesisCoin(1)], [[2, 5_000_000n]]);
    expect(first.submitTx(p.tx, "test").ok).toBe(true);
    await first.stop();
    const second = await UtxoNode.start({ ...base, automine: true, mineTo: address(9) });
    cleanup.push(() => second.stop());
    expect(second.mempool.has(p.txid) || second.chain.height === 1).toBe(true);
    const until = Date.now() + 5_000;
    while (second.chain.height === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(second.chain.height).toBe(1);
    expect(second.mempool.size).toBe(0);
  });
});
