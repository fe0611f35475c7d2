import { blockHash, ChainState, DEVNET, encodeBlock, genesisBlock, genesisHash } from "@utxolab/core";
import { genesisCoin, mine, NOW, nextBlock, out, snapshot, spend } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { BlockBank, SimBackend } from "../src/index.js";

const open = (backend: SimBackend) => ChainState.open(DEVNET, backend, { now: () => NOW });

function newBank(): BlockBank {
  const bank = new BlockBank(genesisHash(DEVNET));
  bank.intern(genesisHash(DEVNET), genesisBlock(DEVNET));
  return bank;
}

describe("the block bank", () => {
  it("gives every node the same object for the same bytes, and keeps a different body under the same header apart", () => {
    const bank = newBank();
    const b = nextBlock({ hash: genesisHash(DEVNET), height: 0, time: NOW });
    const raw = encodeBlock(b);
    const first = bank.share(b, raw);
    expect(first).toBe(b);
    // a second node decoded its own copy of the same bytes: it gets the bank's object
    const copy = { header: { ...b.header }, txs: [...b.txs] };
    expect(bank.share(copy, encodeBlock(copy))).toBe(b);
    // same header, another body (a mutated block): checked as sent, never swapped for the good one
    const mutated = { header: b.header, txs: [...b.txs, b.txs[0]] };
    expect(blockHash(mutated.header)).toBe(blockHash(b.header));
    expect(bank.share(mutated, encodeBlock(mutated))).toBe(mutated);
  });
});

describe("a simulated node's store", () => {
  it("keeps no coins of its own, yet a restart rebuilds the live UTXO set and can still undo blocks", async () => {
    const bank = newBank();
    const backend = new SimBackend(bank);
    const chain = await open(backend);
    const pay = spend([genesisCoin(0)], [out(400, 1), out(599, 0)]);
    await mine(chain, [pay]);
    const fork = chain.tip;
    await mine(chain, [spend([genesisCoin(1)], [out(999, 2)])]);
    await mine(chain);
    expect(backend.coins.size).toBe(0);

    const reopened = await open(backend);
    expect(reopened.tip.hash).toBe(chain.tip.hash);
    expect(snapshot(reopened.utxos.entries())).toBe(snapshot(chain.utxos.entries()));

    // a heavier branch from `fork` makes the restarted node disconnect two blocks: their undo data is in the bank
    let parent = reopened.getEntry(fork.hash);
    if (!parent) throw new Error("fork point missing");
    for (let i = 0; i < 3; i++) {
      const r = await reopened.submitBlock(nextBlock(parent, { extra: `side${i}` }));
      if (!r.ok) throw new Error(`side block refused: ${r.reason}`);
      parent = reopened.getEntry(r.hash);
      if (!parent) throw new Error("side block missing");
    }
    expect(reopened.height).toBe(4);
    expect(reopened.tip.hash).toBe(parent.hash);
    expect(reopened.utxos.getCoin(genesisCoin(1).txid, 1)).toBeDefined();
    expect(reopened.utxos.getCoin(genesisCoin(0).txid, 0)).toBeUndefined();
  });
});
