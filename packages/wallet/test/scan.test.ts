import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Amount,
  type Block,
  blockHash,
  DEVNET,
  genesisBlock,
  hexToBytes,
  makeCoinbase,
  merkleRoot,
  outpointKey,
  signTx,
  txid,
} from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { CHANGE, RECEIVE } from "../src/hd.js";
import { LOOKAHEAD } from "../src/wallet.js";
import { lockWallet } from "../src/walletfile.js";
import { fundingBlock, newWallet, tempDir } from "./fixtures.js";

describe("scanning blocks", () => {
  it("learns coins from payments, spends them, and undoes both on a rollback", () => {
    const w = newWallet();
    const g = genesisBlock(DEVNET);
    w.applyBlock(g, 0);
    const { block: b1, funding } = fundingBlock(w, [10_000n, 20_000n]);
    w.applyBlock(b1, 1);
    expect([...w.coins.keys()].sort()).toEqual([outpointKey(txid(funding), 0), outpointKey(txid(funding), 1)].sort());

    // Block 2 spends coin 0 back to the wallet's change chain and to someone else.
    const c0 = w.coins.get(outpointKey(txid(funding), 0))!;
    const change = w.peekChangeKey();
    const spend = signTx(
      {
        version: 1,
        inputs: [{ prevTxid: c0.txid, vout: 0, witness: new Uint8Array(0) }],
        outputs: [
          { value: 4_000n as Amount, pubkey: hexToBytes("22".repeat(32)) },
          { value: 5_000n as Amount, pubkey: hexToBytes(change.pubkey) },
        ],
        locktime: 0,
      },
      [{ value: c0.value, pubkey: hexToBytes(c0.pubkey) }],
      w.signingKeys(w.secretPayload(null), [c0.pubkey]),
    );
    const txs = [makeCoinbase(2, [{ value: 1n as Amount, pubkey: hexToBytes("33".repeat(32)) }]), spend];
    const b2: Block = {
      header: {
        version: 1,
        prevHash: blockHash(b1.header),
        merkleRoot: merkleRoot(txs.map(txid)),
        time: b1.header.time + 1,
        bits: DEVNET.bits,
        nonce: 0,
      },
      txs,
    };
    w.applyBlock(b2, 2);
    expect(w.coins.has(outpointKey(txid(funding), 0))).toBe(false);
    expect(w.coins.get(outpointKey(txid(spend), 1))?.value).toBe(5_000n);
    expect(w.data.next[CHANGE]).toBe(change.index + 1);
    expect(w.history.map((t) => [t.height, t.spent.length])).toEqual([
      [1, 0],
      [2, 1],
    ]);

    expect(w.rollbackTip()).toBe(true);
    expect(w.syncHeight).toBe(1);
    expect(w.coins.has(outpointKey(txid(funding), 0))).toBe(true);
    expect(w.coins.has(outpointKey(txid(spend), 1))).toBe(false);
    expect(w.rollbackTip()).toBe(true);
    expect(w.coins.size).toBe(0);
    expect(w.history).toEqual([]);
    expect(w.syncHash).toBe(blockHash(g.header));
  });

  it("derives further keys when a payment uses one near the end of the lookahead", () => {
    const w = newWallet();
    w.applyBlock(genesisBlock(DEVNET), 0);
    const values = Array.from({ length: LOOKAHEAD }, () => 1_000n);
    w.applyBlock(fundingBlock(w, values).block, 1);
    expect(w.data.next[RECEIVE]).toBe(LOOKAHEAD);
    expect(w.keys.filter((k) => k.chain === RECEIVE).length).toBe(2 * LOOKAHEAD);
    expect(w.newReceiveAddress().index).toBe(LOOKAHEAD);
  });

  it("counts a coinbase output as immature until coinbaseMaturity blocks, genesis excepted", () => {
    const w = newWallet();
    const coin = { txid: "00".repeat(32) as never, vout: 0, value: 1n as Amount, pubkey: "", height: 5, coinbase: true };
    expect(w.isMature(coin, 13)).toBe(false);
    expect(w.isMature(coin, 14)).toBe(true);
    expect(w.isMature({ ...coin, height: 0 }, 0)).toBe(true);
    expect(w.isMature({ ...coin, coinbase: false }, 5)).toBe(true);
  });
});

describe("wallet lock", () => {
  it("lets one process at a time in, and takes over a lock whose process is gone", async () => {
    const file = join(tempDir(), "w.json");
    const release = await lockWallet(file);
    await expect(lockWallet(file, 100)).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
    await release();
    const again = await lockWallet(file, 100);
    await again();
    writeFileSync(`${file}.lock`, "999999999");
    const taken = await lockWallet(file, 100);
    await taken();
  });
});
