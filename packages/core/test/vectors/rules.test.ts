import { describe, expect, it } from "vitest";
import { blockHash, ChainState, DEVNET, decodeBlock, MemoryChainBackend } from "../../src/index.js";
import { loadVectors, runTxCase, type TxCase } from "./load.js";

interface BlockScenario {
  description: string;
  now: number;
  blocks: { hex: string; expect: string; hash?: string; note?: string }[];
  tipHash: string;
  height: number;
  utxoCount: number;
  supply: string;
}

const txCases = loadVectors<TxCase>("tx_rules.json").cases;
const blockCases = loadVectors<BlockScenario>("block_rules.json").cases;

describe("tx_rules vectors", () => {
  it.each(txCases.map((c) => [c.description, c] as const))("%s", (_d, c) => {
    const r = runTxCase(c);
    expect(r.outcome).toBe(c.expect);
    if (r.outcome !== "tx-decode-failed") expect(r.txid).toBe(c.txid);
    if (c.expect === "valid") expect(r.fee?.toString()).toBe(c.fee);
  });
});

describe("block_rules vectors", () => {
  it.each(blockCases.map((c) => [c.description, c] as const))("%s", async (_d, c) => {
    const chain = await ChainState.open(DEVNET, new MemoryChainBackend(), { now: () => c.now });
    for (const [i, b] of c.blocks.entries()) {
      const d = decodeBlock(b.hex);
      if (!d.ok) {
        expect(d.reason, `block ${i}`).toBe(b.expect);
        continue;
      }
      if (b.hash) expect(blockHash(d.block.header)).toBe(b.hash);
      const r = await chain.submitBlock(d.block);
      expect(r.ok ? "accepted" : r.reason, `block ${i} ${b.note ?? ""}`).toBe(b.expect);
    }
    expect(chain.tip.hash).toBe(c.tipHash);
    expect(chain.height).toBe(c.height);
    expect(chain.utxos.size).toBe(c.utxoCount);
    expect(chain.utxos.total.toString()).toBe(c.supply);
  });
});
