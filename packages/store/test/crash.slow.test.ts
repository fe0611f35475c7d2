import type { Block, BlockIndexEntry, ChainState, Hash } from "@utxolab/core";
import { MemoryChainBackend } from "@utxolab/core";
import { openChain } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import type { Store } from "../src/index.js";
import { branch, expectLedgerOk, minePayments, overspendingBlock, utxoSnapshot } from "./chain-helpers.js";
import { CrashingDb, kinds } from "./places.js";

/**
 * The blocks of a short history that exercises every kind of write: extensions with payments,
 * a side branch that is only stored, then becomes heavier (a switch of branch), an invalid block.
 */
async function history(): Promise<Block[]> {
  const backend = new MemoryChainBackend();
  const cs = await openChain({ backend });
  const blocks: Block[] = [];
  const record = async (from: number) => {
    for (let h = from; h <= cs.height; h++) blocks.push((await cs.getBlock(cs.atHeight(h)!.hash))!);
  };
  await minePayments(cs, 4, 1);
  await record(1);
  const fork = cs.atHeight(2)!;
  const side = await branch(cs, fork, 3, 5);
  const sideBlocks: Block[] = [];
  for (let e: BlockIndexEntry | undefined = side; e && e !== fork; e = e.parent) sideBlocks.unshift((await cs.getBlock(e.hash))!);
  blocks.push(...sideBlocks);
  const bad = overspendingBlock(cs);
  expect((await cs.submitBlock(bad)).ok).toBe(false);
  blocks.push(bad);
  const before = cs.height;
  await minePayments(cs, 1, 1);
  await record(before + 1);
  return blocks;
}

interface Observed {
  /** UTXO set (as utxoSnapshot lines) each tip had */
  atTip: Map<Hash, string[]>;
  /** the tip after the last submitBlock that returned */
  reported?: BlockIndexEntry;
}

async function replay(store: Store, blocks: Block[], seen: Observed): Promise<ChainState> {
  const cs = await openChain({ backend: store });
  const note = () => seen.atTip.set(cs.tip.hash, utxoSnapshot(cs));
  note();
  cs.addListener({ blockConnected: note, blockDisconnected: note });
  seen.reported = cs.tip;
  for (const b of blocks) {
    await cs.submitBlock(b);
    note();
    seen.reported = cs.tip;
  }
  return cs;
}

describe.each(kinds)("a crash at any write of the $name store", (kind) => {
  it("leaves a loadable store on a tip the chain had, with exactly that tip's UTXO set", async () => {
    const blocks = await history();

    // A run without a crash: how many writes there are, and the UTXO set at every tip.
    const clean: Observed = { atTip: new Map() };
    const place0 = await kind.place();
    let counter: CrashingDb | undefined;
    const store0 = await place0.open({ wrap: (db) => (counter = new CrashingDb(db, Number.POSITIVE_INFINITY, "before")) });
    const cs0 = await replay(store0, blocks, clean);
    const writes = counter!.writes;
    const finalTip = cs0.tip.hash;
    await store0.close();
    await place0.cleanup();
    expect(writes).toBeGreaterThan(20);

    for (const mode of ["before", "after"] as const) {
      for (let k = 1; k <= writes; k++) {
        const place = await kind.place();
        const seen: Observed = { atTip: new Map() };
        let crashed: unknown;
        let store: Store | undefined;
        try {
          store = await place.open({ wrap: (db) => new CrashingDb(db, k, mode) });
          await replay(store, blocks, seen);
        } catch (e) {
          crashed = e;
        }
        expect(String(crashed), `write ${k} ${mode}`).toMatch(/simulated crash/);
        // The process is gone: nothing more of it runs. Close the handle so the files can be reopened.
        await store?.close().catch(() => undefined);

        const reopened = await place.open();
        const cs = await openChain({ backend: reopened });
        const label = `crash ${mode} write ${k}: tip ${cs.tip.height}`;
        // Opening resumes activation, so the tip may be past the one on disk; either is a tip the clean run had.
        expect(clean.atTip.has(cs.tip.hash), label).toBe(true);
        expect(utxoSnapshot(cs), label).toEqual(clean.atTip.get(cs.tip.hash));
        if (seen.reported) expect(cs.tip.chainWork >= seen.reported.chainWork, label).toBe(true);
        await expectLedgerOk(cs);

        // Feeding the rest again ends where the clean run ended.
        for (const b of blocks) await cs.submitBlock(b);
        expect(cs.tip.hash, label).toBe(finalTip);
        await expectLedgerOk(cs);
        await reopened.close();
        await place.cleanup();
      }
    }
  });
});
