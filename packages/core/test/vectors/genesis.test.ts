import { describe, expect, it } from "vitest";
import {
  blockHash,
  bytesToHex,
  DEVNET,
  encodeAddress,
  encodeBlock,
  encodeHeader,
  encodeTx,
  genesisBlock,
  subsidyAt,
  txid,
  txSize,
} from "../../src/index.js";
import { byType, loadVectors } from "./load.js";

type Case = Record<string, any> & { type: string; description: string };
const { cases } = loadVectors<Case>("genesis.json");

describe("genesis vectors", () => {
  it("builds the genesis block from the params", () => {
    const [c] = byType(cases, "genesis");
    expect(c).toBeDefined();
    const g = genesisBlock(DEVNET);
    expect(bytesToHex(encodeBlock(g))).toBe(c.hex);
    expect(blockHash(g.header)).toBe(c.hash);
    expect(g.header.nonce).toBe(c.nonce);
    expect(g.header).toEqual(c.header);
    expect(bytesToHex(encodeHeader(g.header))).toBe(c.headerHex);
    expect(encodeBlock(g).length).toBe(c.size);
    const cb = g.txs[0];
    expect(txid(cb)).toBe(c.coinbaseTxid);
    expect(bytesToHex(encodeTx(cb))).toBe(c.coinbaseHex);
    expect(bytesToHex(cb.inputs[0].witness)).toBe(c.coinbaseWitness);
    expect(txSize(cb)).toBeGreaterThan(0);
    expect(
      cb.outputs.map((o, index) => ({
        index,
        value: o.value.toString(),
        pubkey: bytesToHex(o.pubkey),
        address: encodeAddress(o.pubkey, "lab"),
      })),
    ).toEqual(c.outputs);
    expect(cb.outputs.length).toBe(c.utxoCount);
    expect(cb.outputs.reduce((s, o) => s + o.value, 0n).toString()).toBe(c.supply);
  });

  it("matches the devnet params", () => {
    const [p] = byType(cases, "params");
    expect(p).toBeDefined();
    expect(DEVNET.hrp).toBe(p.hrp);
    expect(DEVNET.bits).toBe(p.bits);
    expect(DEVNET.powLimit.toString(16).padStart(64, "0")).toBe(p.powLimit);
    expect(DEVNET.halvingInterval).toBe(p.halvingInterval);
    expect(DEVNET.coinbaseMaturity).toBe(p.coinbaseMaturity);
    expect(DEVNET.maxBlockSize).toBe(p.maxBlockSize);
    expect(p.coin).toBe("100000000");
    expect(p.maxMoney).toBe("2100000000000000");
  });

  it.each(byType(cases, "subsidy").map((c) => [c.description, c] as const))("%s", (_d, c) => {
    expect(subsidyAt(c.height, DEVNET).toString()).toBe(c.subsidy);
  });
});
