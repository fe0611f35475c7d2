import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { openChain } from "@utxolab/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { openStore, StoreError } from "../src/index.js";
import { PREFIX } from "../src/layout.js";
import { branch, expectLedgerOk, minePayments, params, utxoSnapshot } from "./chain-helpers.js";
import { tempDir } from "./places.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const dir = async () => {
  const d = await tempDir();
  dirs.push(d);
  return d;
};

/** A chain of 3 x `n` blocks written over three openings, so LevelDB has table files (.ldb) and not only its log. */
async function storedChain(n = 10): Promise<{ datadir: string; chain: string; tip: string; height: number; utxos: string[] }> {
  const datadir = await dir();
  let tip = "";
  let height = 0;
  let utxos: string[] = [];
  for (let round = 0; round < 3; round++) {
    const s = await openStore({ dir: datadir, params });
    const cs = await openChain({ backend: s });
    await minePayments(cs, n, 2);
    if (round === 2) await branch(cs, cs.atHeight(cs.height - 2)!, 1, 7); // a side branch, kept in the index
    tip = cs.tip.hash;
    height = cs.height;
    utxos = utxoSnapshot(cs);
    await s.close();
  }
  return { datadir, chain: join(datadir, "chain"), tip, height, utxos };
}

/** Every file's name and content digest: "nothing was changed" made checkable. */
function snapshot(path: string): string[] {
  return readdirSync(path)
    .filter((f) => f !== "LOG" && f !== "LOG.old" && f !== "LOCK")
    .sort()
    .map(
      (f) =>
        `${f} ${createHash("sha256")
          .update(readFileSync(join(path, f)))
          .digest("hex")}`,
    );
}

async function refusal(datadir: string): Promise<StoreError> {
  let e: unknown;
  try {
    const s = await openStore({ dir: datadir, params });
    try {
      await openChain({ backend: s });
    } finally {
      await s.close();
    }
  } catch (x) {
    e = x;
  }
  expect(e).toBeInstanceOf(StoreError);
  return e as StoreError;
}

describe("a datadir that holds data but cannot be opened as it is", () => {
  it("without chain/CURRENT is refused with the path named, and nothing is changed or deleted", async () => {
    const c = await storedChain();
    rmSync(join(c.chain, "CURRENT"));
    const before = snapshot(c.chain);
    expect(before.some((f) => f.includes(".ldb"))).toBe(true);
    const e = await refusal(c.datadir);
    expect(e.message).toContain(`${c.chain} holds LevelDB data (`);
    expect(e.message).toContain("but no CURRENT file, so it cannot be opened as the chain it holds; nothing was changed");
    expect(e.message).toMatch(/Start the node once with --repair/);
    expect(snapshot(c.chain)).toEqual(before);
    expect(existsSync(join(c.chain, "CURRENT"))).toBe(false);
  });

  it("--repair rebuilds LevelDB's manifest from the tables, keeps a copy, and a reindex gives back the whole chain", async () => {
    const c = await storedChain();
    rmSync(join(c.chain, "CURRENT"));
    const reports: string[] = [];
    const s = await openStore({ dir: c.datadir, params, repair: true, onRepair: (r) => reports.push(r) });
    expect(reports[0]).toMatch(/^repaired .*chain \(a copy of it before the repair is at .*chain\.before-repair-/);
    // every file was readable: what RepairDB archived (the log it turned into a table) is not called unreadable
    expect(reports[0]).not.toMatch(/unreadable/);
    const copy = readdirSync(c.datadir).find((f) => f.startsWith("chain.before-repair-"))!;
    expect(existsSync(join(c.datadir, copy, "CURRENT"))).toBe(false); // the copy is the datadir as it was
    const r = await s.reindex();
    expect(r.skipped).toEqual([]);
    expect(r.height).toBe(c.height);
    const cs = await openChain({ backend: s });
    expect(cs.tip.hash).toBe(c.tip);
    expect(utxoSnapshot(cs)).toEqual(c.utxos);
    await expectLedgerOk(cs);
    await s.close();
  });

  it("a truncated table says the data is damaged (not disk-space advice); --repair salvages a consistent chain", async () => {
    const c = await storedChain();
    const ldb = readdirSync(c.chain)
      .filter((f) => f.endsWith(".ldb"))
      .sort()[0];
    const path = join(c.chain, ldb);
    truncateSync(path, Math.floor(statSync(path).size / 2));
    const e = await refusal(c.datadir);
    expect(e.message).toContain(`${c.chain}: data is damaged (`);
    expect(e.message).toContain(ldb);
    expect(e.message).toMatch(/start the node once with --repair/);
    expect(e.message).not.toMatch(/free space/);

    console.log("DBG before repair", readdirSync(c.chain).join(" "));
    const s = await openStore({
      dir: c.datadir,
      params,
      repair: true,
      onRepair: (r) => console.log("DBG", r, readdirSync(c.chain).join(" ")),
    }).catch((e) => {
      console.log("DBG after fail", readdirSync(c.chain).join(" "), readFileSync(join(c.chain, "LOG"), "utf8"));
      throw e;
    });
    await s.reindex();
    const cs = await openChain({ backend: s });
    // what the cut table held is gone; what is left is a valid chain from genesis
    expect(cs.height).toBeLessThanOrEqual(c.height);
    await expectLedgerOk(cs);
    await s.close();
  });

  it("--reindex rebuilds the UTXO set and the index from the stored blocks", async () => {
    const c = await storedChain();
    // a lost coin and a lost index entry: the first goes unnoticed at load, the second is refused
    const { Level } = await import("level");
    const db = new Level<Uint8Array, Uint8Array>(c.chain, { keyEncoding: "view", valueEncoding: "view" });
    await db.open();
    const del: Uint8Array[] = [];
    for (const prefix of [PREFIX.coin, PREFIX.index]) {
      const it = db.iterator({ gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) });
      const batch = await it.nextv(5);
      await it.close();
      del.push(batch[4][0]);
    }
    await db.batch(del.map((key) => ({ type: "del" as const, key })));
    await db.close();
    expect((await refusal(c.datadir)).message).toMatch(/data is damaged/);

    const s = await openStore({ dir: c.datadir, params });
    const r = await s.reindex();
    expect(r.skipped).toEqual([]);
    const cs = await openChain({ backend: s });
    expect(cs.tip.hash).toBe(c.tip);
    expect(utxoSnapshot(cs)).toEqual(c.utxos);
    await expectLedgerOk(cs);
    await s.close();
  });

  it("--reindex leaves out a block body that does not decode, and what descends from it", async () => {
    const c = await storedChain(4);
    const { Level } = await import("level");
    const db = new Level<Uint8Array, Uint8Array>(c.chain, { keyEncoding: "view", valueEncoding: "view" });
    await db.open();
    const it = db.iterator({ gte: Uint8Array.of(PREFIX.block), lt: Uint8Array.of(PREFIX.block + 1) });
    const all = await it.nextv(1000);
    await it.close();
    await db.put(all[3][0], Uint8Array.of(1, 2, 3));
    await db.close();
    const s = await openStore({ dir: c.datadir, params });
    const r = await s.reindex();
    expect(r.skipped.some((x) => /does not decode to that block/.test(x))).toBe(true);
    const cs = await openChain({ backend: s });
    await expectLedgerOk(cs);
    await s.close();
  });

  it("a datadir that is a file gets the documented message", async () => {
    const root = await dir();
    const file = join(root, "file");
    writeFileSync(file, "x");
    await expect(openStore({ dir: file, params })).rejects.toThrow(
      `cannot create datadir ${file} (it is a file, not a directory); pass a writable directory with --datadir`,
    );
  });
});
