import { type RpcClient, RpcError } from "@utxolab/client";
import {
  type Amount,
  type Block,
  blockHash,
  buildBlock,
  bytesToHex,
  DEVNET,
  encodeBlock,
  encodeTx,
  genesisBlock,
  genesisHash,
  hexToBytes,
  signTx,
  type Transaction,
  txid,
} from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { balanceOf, syncWallet } from "../src/sync.js";
import { RECENT_BLOCKS, type Wallet } from "../src/wallet.js";
import { newWallet } from "./fixtures.js";

/** A node reduced to the calls the wallet makes, over a chain the test replaces at will. */
class StubNode {
  chain: Block[] = [genesisBlock(DEVNET)];
  pool: Transaction[] = [];
  calls = 0;
  /** runs before each getblock: lets a test move the chain in the middle of a scan */
  onGetBlock?: () => void;

  extend(from: number, n: number, pay: Uint8Array, tag: number): Block[] {
    const blocks = this.chain.slice(0, from + 1);
    for (let i = 0; i < n; i++) {
      const prev = blocks[blocks.length - 1];
      blocks.push(
        buildBlock(
          {
            prevHash: blockHash(prev.header),
            height: blocks.length,
            time: prev.header.time + 1,
            coinbaseOutputs: [{ value: (1_000n + BigInt(tag)) as Amount, pubkey: pay }],
          },
          DEVNET,
        ),
      );
    }
    return blocks;
  }

  readonly client = {
    call: async (method: string, params: unknown[] = []): Promise<unknown> => {
      this.calls++;
      const tip = this.chain.length - 1;
      switch (method) {
        case "getblockchaininfo":
          return { network: "devnet", genesisHash: genesisHash(DEVNET), height: tip, bestBlockHash: blockHash(this.chain[tip].header) };
        case "getblockhash": {
          const h = params[0] as number;
          if (h > tip) throw new RpcError("refused", -8, `block height ${h} is out of range`);
          return blockHash(this.chain[h].header);
        }
        case "getblock": {
          this.onGetBlock?.();
          const b = [...this.chain].find((x) => blockHash(x.header) === params[0]);
          if (!b) throw new RpcError("refused", -5, "unknown block");
          return bytesToHex(encodeBlock(b));
        }
        case "getrawmempool":
          return this.pool.map(txid);
        case "getrawtransaction":
          return bytesToHex(encodeTx(this.pool.find((t) => txid(t) === params[0])!));
        default:
          throw new RpcError("refused", -32601, `unknown method ${method}`);
      }
    },
  } as unknown as RpcClient;
}

const receiveKey = (w: Wallet, i = 0) => hexToBytes(w.keys.find((k) => k.chain === 0 && k.index === i)!.pubkey);

describe("syncing with a node", () => {
  it("scans new blocks, then follows a reorganization and a node that restarted from genesis", async () => {
    const node = new StubNode();
    const w = newWallet();
    node.chain = node.extend(0, 5, receiveKey(w), 0);
    let view = await syncWallet(w, node.client);
    expect(view.tipHeight).toBe(5);
    expect(w.coins.size).toBe(5);
    expect(balanceOf(w, view)).toMatchObject({ spendable: 0n, immature: 5_000n });

    // A heavier branch from height 2 pays someone else: blocks 3..5 and their coins leave.
    node.chain = node.extend(2, 4, new Uint8Array(32).fill(1), 1);
    view = await syncWallet(w, node.client);
    expect(view.tipHeight).toBe(6);
    expect([...w.coins.values()].map((c) => c.height).sort()).toEqual([1, 2]);
    expect(w.history.map((t) => t.height)).toEqual([1, 2]);

    // The node starts over (a --memory node restarted): only genesis remains.
    node.chain = [genesisBlock(DEVNET)];
    view = await syncWallet(w, node.client);
    expect(view.tipHeight).toBe(0);
    expect(w.coins.size).toBe(0);
    expect(w.history).toEqual([]);
  });

  it("rescans from genesis after a reorganization deeper than the remembered block hashes", async () => {
    const node = new StubNode();
    const w = newWallet();
    node.chain = node.extend(0, RECENT_BLOCKS + 10, receiveKey(w), 0);
    await syncWallet(w, node.client);
    expect(w.data.sync.recent).toHaveLength(RECENT_BLOCKS);
    node.chain = node.extend(1, RECENT_BLOCKS + 11, receiveKey(w, 1), 3);
    const view = await syncWallet(w, node.client);
    expect(view.tipHeight).toBe(RECENT_BLOCKS + 12);
    const coins = [...w.coins.values()];
    expect(coins).toHaveLength(RECENT_BLOCKS + 12);
    expect(coins.filter((c) => c.pubkey === bytesToHex(receiveKey(w, 0))).map((c) => c.height)).toEqual([1]);
  });

  it("starts over when the chain moves in the middle of a scan", async () => {
    const node = new StubNode();
    const w = newWallet();
    node.chain = node.extend(0, 40, receiveKey(w), 0);
    let moved = false;
    let served = 0;
    node.onGetBlock = () => {
      if (++served === 10 && !moved) {
        moved = true;
        node.chain = node.extend(5, 40, receiveKey(w, 1), 2);
      }
    };
    const view = await syncWallet(w, node.client);
    expect(moved).toBe(true);
    expect(view.tipHeight).toBe(45);
    const heights = [...w.coins.values()].map((c) => c.height).sort((a, b) => a - b);
    expect(heights).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    // Coins from height 6 on pay the branch's key.
    expect([...w.coins.values()].filter((c) => c.height > 5).every((c) => c.pubkey === bytesToHex(receiveKey(w, 1)))).toBe(true);
  });

  it("tells waiting, dropped and replaced transactions apart", async () => {
    const node = new StubNode();
    const w = newWallet();
    node.chain = node.extend(0, DEVNET.coinbaseMaturity + 1, receiveKey(w), 0);
    await syncWallet(w, node.client);
    const coin = [...w.coins.values()].find((c) => c.height === 1)!;
    const spend = (to: number) =>
      signTx(
        {
          version: 1,
          inputs: [{ prevTxid: coin.txid, vout: coin.vout, witness: new Uint8Array(0) }],
          outputs: [{ value: 600n as Amount, pubkey: new Uint8Array(32).fill(to) }],
          locktime: 0,
        },
        [{ value: coin.value, pubkey: hexToBytes(coin.pubkey) }],
        w.signingKeys(w.secretPayload(null), [coin.pubkey]),
      );
    const mine = spend(1);
    w.recordSent(txid(mine), bytesToHex(encodeTx(mine)));
    node.pool = [mine];
    let view = await syncWallet(w, node.client);
    expect(view.pending.map((p) => [p.txid, p.sent, p.spends.length])).toEqual([[txid(mine), true, 1]]);
    expect(balanceOf(w, view)).toMatchObject({ pendingOut: coin.value, pendingIn: 0n });

    // The node forgot it (restarted without its pool): dropped, and its coin is spendable again.
    node.pool = [];
    view = await syncWallet(w, node.client);
    expect(view.dropped.map((d) => d.txid)).toEqual([txid(mine)]);
    expect(balanceOf(w, view).pendingOut).toBe(0n);

    // Another spend of the coin confirms: the dropped one can never confirm and is forgotten.
    const other = spend(2);
    const tip = node.chain[node.chain.length - 1];
    node.chain.push(
      buildBlock(
        {
          prevHash: blockHash(tip.header),
          height: node.chain.length,
          time: tip.header.time + 1,
          coinbaseOutputs: [{ value: 1n as Amount, pubkey: new Uint8Array(32).fill(3) }],
          txs: [other],
        },
        DEVNET,
      ),
    );
    view = await syncWallet(w, node.client);
    expect(view.dropped).toEqual([]);
    expect(w.data.sent).toEqual([]);
    expect(w.history.at(-1)?.txid).toBe(txid(other));
  });

  it("is cheap once synced: one chain query, one hash check and the pool", async () => {
    const node = new StubNode();
    const w = newWallet();
    node.chain = node.extend(0, 3, receiveKey(w), 0);
    await syncWallet(w, node.client);
    node.calls = 0;
    await syncWallet(w, node.client);
    expect(node.calls).toBe(3);
  });

  it("refuses a node on another network", async () => {
    const node = new StubNode();
    const w = newWallet();
    const stub = {
      call: async () => ({ network: "other", genesisHash: "11".repeat(32), height: 0, bestBlockHash: "11".repeat(32) }),
    } as unknown as RpcClient;
    await expect(syncWallet(w, stub)).rejects.toThrow(/the node is on another network/);
    expect(node.calls).toBe(0);
  });
});
