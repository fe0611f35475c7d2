import { describe, expect, it } from "vitest";
import { type BlockCase, expectBlockCase, loadVectors, runTxCase, type TxCase } from "./load.js";

const txCases = loadVectors<TxCase>("tx_rules.json").cases;
const blockCases = loadVectors<BlockCase>("block_rules.json").cases;

describe("tx_rules vectors", () => {
  it.each(txCases.map((c) => [c.description, c] as const))("%s", (_d, c) => {
    const r = runTxCase(c);
    expect(r.outcome).toBe(c.expect);
    if (r.outcome !== "tx-decode-failed") expect(r.txid).toBe(c.txid);
    if (c.expect === "valid") expect(r.fee?.toString()).toBe(c.fee);
  });
});

describe("block_rules vectors", () => {
  it.each(blockCases.map((c) => [c.description, c] as const))("%s", (_d, c) => expectBlockCase(c));
});
