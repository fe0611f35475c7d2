// Shared constants cannot be changed by one caller under the others (issue #16): the genesis
// block and DEVNET are deep-frozen, and the bytes of keys and of the genesis block are copies.
import { describe, expect, it } from "vitest";
import { blockHash, bytesToHex, DEVNET, devnetAccounts, genesisBlock, genesisHash, txid } from "../src/index.js";

describe("shared constants", () => {
  it("DEVNET and its genesis settings are frozen", () => {
    expect(Object.isFrozen(DEVNET)).toBe(true);
    expect(Object.isFrozen(DEVNET.genesis)).toBe(true);
    expect(() => {
      (DEVNET as { maxBlockSize: number }).maxBlockSize = 1;
    }).toThrow(TypeError);
  });

  it("the genesis block is deep-frozen, and writing into its bytes changes nobody else's copy", () => {
    const g = genesisBlock(DEVNET);
    for (const o of [g, g.header, g.txs, g.txs[0], g.txs[0].inputs, g.txs[0].inputs[0], g.txs[0].outputs, g.txs[0].outputs[0]]) {
      expect(Object.isFrozen(o)).toBe(true);
    }
    expect(() => {
      (g.header as { nonce: number }).nonce = 7;
    }).toThrow(TypeError);
    expect(() => (g.txs as unknown[]).push(g.txs[0])).toThrow(TypeError);
    const id = txid(genesisBlock(DEVNET).txs[0]);
    g.txs[0].outputs[0].pubkey.fill(0);
    g.txs[0].inputs[0].witness.fill(0);
    const again = genesisBlock(DEVNET);
    expect(txid(again.txs[0])).toBe(id);
    expect(bytesToHex(again.txs[0].outputs[0].pubkey)).toBe(bytesToHex(devnetAccounts()[0].pubkey));
    expect(blockHash(again.header)).toBe(genesisHash(DEVNET));
  });

  it("the devnet accounts are frozen, and wiping a key after use wipes only the caller's copy", () => {
    const a = devnetAccounts();
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a[3])).toBe(true);
    const sk = bytesToHex(a[3].sk);
    a[3].sk.fill(0);
    a[3].pubkey.fill(0);
    expect(bytesToHex(devnetAccounts()[3].sk)).toBe(sk);
    expect(devnetAccounts()[3].pubkey.some((b) => b !== 0)).toBe(true);
  });
});
