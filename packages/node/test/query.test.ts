// One query module (src/query.ts) answers for the RPC and the web page: the same transaction
// or block gets the same confirmations and fee from both.

import { accounts, cleanupAfterEach, genesisCoin, pay } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { type Hash, txid } from "../../core/src/index.js";
import { UtxoNode } from "../src/index.js";
import { methods } from "../src/rpc/methods.js";
import { Views } from "../src/web/views.js";
import { QUIET } from "./helpers.js";

const cleanup = cleanupAfterEach();

describe("RPC and web views answer from one query module", () => {
  it("give the same confirmations and fee for a waiting tx, a mined one, and a block off the best chain", async () => {
    const node = await UtxoNode.start({ ...QUIET, web: false });
    cleanup.push(() => node.stop());
    const rpc = methods(node);
    const views = new Views(node);
    const both = async (id: Hash) => {
      const r = (await rpc.getrawtransaction([id, true])) as { confirmations: number; fee?: string };
      const w = await views.tx(id);
      return {
        rpc: { confirmations: r.confirmations, fee: r.fee },
        web: { confirmations: w.status.confirmations, fee: w.fee?.toString() },
      };
    };

    const p = pay([genesisCoin(1)], [[2, 5_000_000n]]);
    expect(node.submitTx(p.tx, "test").ok).toBe(true);
    const waiting = await both(p.txid);
    expect(waiting.rpc).toEqual({ confirmations: 0, fee: waiting.rpc.fee });
    expect(waiting.web).toEqual(waiting.rpc);
    expect(BigInt(waiting.rpc.fee ?? "-1")).toBeGreaterThan(0n);

    const [first] = await node.miner.generate(1, accounts[9].pubkey);
    await node.miner.generate(1, accounts[9].pubkey);
    const mined = await both(p.txid);
    expect(mined.rpc).toEqual({ confirmations: 2, fee: waiting.rpc.fee });
    expect(mined.web).toEqual(mined.rpc);
    const coinbase = txid((await node.chain.getBlock(first as Hash))!.txs[0]);
    const cb = await both(coinbase);
    expect(cb.rpc).toEqual({ confirmations: 2, fee: undefined });
    expect(cb.web).toEqual(cb.rpc);

    const blockConfs = async (hash: Hash) => ({
      rpc: ((await rpc.getblock([hash, true])) as { confirmations: number }).confirmations,
      web: (await views.block(views.entryById(hash), 0, 10)).confirmations,
    });
    expect(await blockConfs(first as Hash)).toEqual({ rpc: 2, web: 2 });
    await node.chain.invalidateBlock(first as Hash);
    // off the best chain: -1 from both (the web page said 0)
    expect(await blockConfs(first as Hash)).toEqual({ rpc: -1, web: -1 });
  });
});
