import { blockHash, bytesToHex, encodeBlock, encodeUndo, genesisHash, utf8 } from "@utxolab/core";
import { openChain } from "@utxolab/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../src/index.js";
import { blockOn, branch, expectLedgerOk, indexSnapshot, minePayments, overspendingBlock, params, utxoSnapshot } from "./chain-helpers.js";
import { kinds, type Place } from "./places.js";

describe.each(kinds)("a chain on the $name store", (kind) => {
  let place: Place;
  const open: Store[] = [];
  const openStore_ = async () => {
    const s = await place.open();
    open.push(s);
    return s;
  };

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await place.cleanup();
  });

  it("starts empty, then reopens on the same tip, index, UTXO set, blocks and undo data after 50 blocks", async () => {
    place = await kind.place();
    const store = await openStore_();
    expect(await store.load()).toBeUndefined();
    const cs = await openChain({ backend: store });
    expect(cs.tip.hash).toBe(genesisHash(params));
    await minePayments(cs, 50, 3);
    expect(cs.height).toBe(50);
    expect(cs.utxos.size).toBeGreaterThan(100);
    const before = { tip: cs.tip.hash, index: indexSnapshot(cs), utxos: utxoSnapshot(cs), total: cs.utxos.total };
    const bodies = new Map<string, string>();
    const undos = new Map<string, string>();
    for (let h = 0; h <= cs.height; h++) {
      const hash = cs.atHeight(h)!.hash;
      bodies.set(hash, bytesToHex(encodeBlock((await cs.getBlock(hash))!)));
      undos.set(hash, bytesToHex(encodeUndo((await cs.getUndo(hash))!)));
    }
    await store.close();

    const again = await openChain({ backend: await openStore_() });
    expect(again.tip.hash).toBe(before.tip);
    expect(again.height).toBe(50);
    expect(indexSnapshot(again)).toEqual(before.index);
    expect(utxoSnapshot(again)).toEqual(before.utxos);
    expect(again.utxos.total).toBe(before.total);
    for (const [hash, hex] of bodies) {
      expect(bytesToHex(encodeBlock((await again.getBlock(hash as never))!))).toBe(hex);
      expect(bytesToHex(encodeUndo((await again.getUndo(hash as never))!))).toBe(undos.get(hash));
    }
    await expectLedgerOk(again);
    // and it keeps going from there
    await minePayments(again, 3, 2);
    expect(again.height).toBe(53);
    await expectLedgerOk(again);
  });

  it("persists a switch to a heavier branch, drops the undo data of the blocks it left, and can switch back after a reopen", async () => {
    place = await kind.place();
    const store = await openStore_();
    const cs = await openChain({ backend: store });
    await minePayments(cs, 12, 2);
    const fork = cs.atHeight(8)!;
    const left = cs.tip;
    const reorgs: number[] = [];
    cs.addListener({ reorganized: (info) => reorgs.push(info.depth) });
    const side = await branch(cs, fork, 5, 7);
    expect(reorgs).toEqual([4]);
    expect(cs.tip.hash).toBe(side.hash);
    const snap = { index: indexSnapshot(cs), utxos: utxoSnapshot(cs) };
    await store.close();

    const store2 = await openStore_();
    const again = await openChain({ backend: store2 });
    expect(again.tip.hash).toBe(side.hash);
    expect(again.height).toBe(13);
    expect(indexSnapshot(again)).toEqual(snap.index);
    expect(utxoSnapshot(again)).toEqual(snap.utxos);
    expect(await store2.getUndo(left.hash)).toBeUndefined();
    expect(await store2.getBlock(left.hash)).toBeDefined();
    expect(again.isActive(again.getEntry(left.hash)!)).toBe(false);
    await expectLedgerOk(again);

    // Back to the first branch: the side branch's undo data, written before the reopen, is what disconnects it.
    const back = await branch(again, again.getEntry(left.hash)!, 2, 9);
    expect(again.tip.hash).toBe(back.hash);
    expect(again.tip.height).toBe(14);
    expect(again.isActive(again.getEntry(left.hash)!)).toBe(true);
    await expectLedgerOk(again);
    await store2.close();
    const third = await openChain({ backend: await openStore_() });
    expect(third.tip.hash).toBe(again.tip.hash);
    expect(utxoSnapshot(third)).toEqual(utxoSnapshot(again));
  });

  it("remembers invalid blocks and their descendants across a reopen", async () => {
    place = await kind.place();
    const store = await openStore_();
    const cs = await openChain({ backend: store });
    await minePayments(cs, 3, 1);
    const tip = cs.tip;
    const bad = overspendingBlock(cs);
    const r = await cs.submitBlock(bad);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe("bad-txns-in-belowout");
    // A child of the invalid block is refused for its parent and remembered by its header only.
    const child = blockOn(cs.getEntry(blockHash(bad.header))!);
    const rc = await cs.submitBlock(child);
    expect(!rc.ok && rc.reason).toBe("bad-prevblk");
    const invalidBefore = [...cs.index.values()]
      .filter((e) => e.status === "invalid")
      .map((e) => `${e.hash} ${e.invalidReason} ${e.hasData}`);
    expect(invalidBefore).toHaveLength(2);
    await store.close();

    const again = await openChain({ backend: await openStore_() });
    const invalidAfter = [...again.index.values()]
      .filter((e) => e.status === "invalid")
      .map((e) => `${e.hash} ${e.invalidReason} ${e.hasData}`);
    expect(invalidAfter.sort()).toEqual(invalidBefore.sort());
    expect(again.tip.hash).toBe(tip.hash);
    const r2 = await again.submitBlock(bad);
    expect(!r2.ok && r2.reason).toBe("bad-txns-in-belowout");
    expect(!r2.ok && r2.remembered).toBe(true);
    expect(again.tip.hash).toBe(tip.hash);
  });

  it("keeps the program's metadata apart from the chain's records", async () => {
    place = await kind.place();
    const store = await openStore_();
    expect(await store.getMeta("tip")).toBeUndefined();
    await store.putMeta("tip", utf8("not the chain tip"));
    await store.putMeta("peers", utf8("ws://127.0.0.1:1"));
    expect(await store.load()).toBeUndefined();
    await openChain({ backend: store });
    await store.close();
    const again = await openStore_();
    expect(new TextDecoder().decode(await again.getMeta("peers"))).toBe("ws://127.0.0.1:1");
    expect(new TextDecoder().decode(await again.getMeta("tip"))).toBe("not the chain tip");
    expect((await again.load())?.tip).toBe(genesisHash(params));
    await expect(again.putMeta("", new Uint8Array(1))).rejects.toThrow(/non-empty/);
  });
});

describe("openStore", () => {
  it("gives a working memory store with --memory", async () => {
    const store = await openStore({ memory: true, params });
    expect(store.path).toBe("(memory)");
    const cs = await openChain({ backend: store });
    await minePayments(cs, 5, 2);
    await expectLedgerOk(cs);
    const loaded = await store.load();
    expect(loaded?.tip).toBe(cs.tip.hash);
    expect([...(loaded?.coins ?? [])].length).toBe(cs.utxos.size);
    await store.close();
    await store.close();
  });
});
