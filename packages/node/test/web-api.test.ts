import { address, cleanupAfterEach, GENESIS_VALUE, genesisCoin, pay } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { UtxoNode } from "../src/index.js";
import { QUIET } from "./helpers.js";

const cleanup = cleanupAfterEach();

describe("the page's public API", () => {
  it("/api/address bounds the waiting outputs it lists by ?limit, as it does the confirmed ones, and counts them all", async () => {
    const node = await UtxoNode.start(QUIET);
    cleanup.push(() => node.stop());
    // three waiting payments, each with four outputs to account 5
    for (const from of [0, 1, 2]) {
      const outs: [number, bigint][] = [1, 2, 3, 4].map(() => [5, 1_000_000n]);
      const p = pay([genesisCoin(from)], [...outs, [from, GENESIS_VALUE - 4_000_000n - 10_000n]]);
      expect(node.submitTx(p.tx, "test").ok).toBe(true);
    }
    const res = await fetch(`${node.rpc.url}/api/address/${address(5)}?limit=5`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pending: string; pendingUtxos: unknown[]; pendingCount: number };
    expect(body.pending).toBe("12000000");
    expect(body.pendingUtxos).toHaveLength(5);
    expect(body.pendingCount).toBe(12);
  });
});
