import { type Coin, encodeCoin, type Hash, sha256, toHash, utf8 } from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { CoinReader } from "../src/coins.js";
import { coinKey } from "../src/layout.js";

const txidOf = (s: string) => toHash(sha256(utf8(s)));
const coin = (key: string, value: bigint): Coin => ({ value: value as never, pubkey: sha256(utf8(key)), height: 7, coinbase: false });

describe("CoinReader", () => {
  it("decodes outpoint and coin, sharing one paying key between coins that pay it", () => {
    const r = new CoinReader();
    const a = txidOf("a");
    const b = txidOf("b");
    const read = (txid: Hash, vout: number, c: Coin) => r.read(coinKey(txid, vout), encodeCoin(c));
    const e1 = read(a, 0, coin("alice", 5n));
    const e2 = read(a, 0x01020304, coin("bob", 6n));
    const e3 = read(b, 2, coin("alice", 7n));
    expect([e1.txid, e1.vout, e2.txid, e2.vout, e3.txid, e3.vout]).toEqual([a, 0, a, 0x01020304, b, 2]);
    expect(e1.coin).toEqual(coin("alice", 5n));
    expect(e2.coin).toEqual(coin("bob", 6n));
    expect(e3.coin.pubkey).toBe(e1.coin.pubkey);
    expect(e2.coin.pubkey).not.toBe(e1.coin.pubkey);
  });

  it("says what is wrong with a record that does not decode", () => {
    const r = new CoinReader();
    const a = txidOf("a");
    expect(() => r.read(coinKey(a, 3).subarray(0, 30), encodeCoin(coin("x", 1n)))).toThrow("UTXO key of 30 bytes");
    expect(() => r.read(coinKey(a, 3), Uint8Array.of(1, 2))).toThrow(`coin ${a}:3 does not decode`);
    const bad = encodeCoin(coin("x", 1n));
    bad[bad.length - 1] = 2;
    expect(() => r.read(coinKey(a, 4), bad)).toThrow(/coin flag must be 0 or 1/);
  });
});
