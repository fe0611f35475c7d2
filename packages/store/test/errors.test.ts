import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { DEVNET, genesisHash, hashBytes, type NetworkParams } from "@utxolab/core";
import { openChain } from "@utxolab/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store, StoreError } from "../src/index.js";
import { PREFIX } from "../src/layout.js";
import { minePayments, params } from "./chain-helpers.js";
import { kinds, type Place, tempDir } from "./places.js";

const othernet: NetworkParams = { ...DEVNET, name: "othernet", genesis: { ...DEVNET.genesis, message: "utxolab othernet genesis" } };

async function firstKey(place: Place, prefix: number): Promise<Uint8Array> {
  const db = place.raw();
  if (db.status !== "open") await db.open();
  const it = db.iterator({ gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) });
  const [[k]] = await it.nextv(1);
  await it.close();
  await db.close();
  return k;
}

async function tamper(place: Place, ops: { key: Uint8Array; value?: Uint8Array }[]): Promise<void> {
  const db = place.raw();
  if (db.status !== "open") await db.open();
  await db.batch(ops.map((o) => (o.value ? { type: "put", key: o.key, value: o.value } : { type: "del", key: o.key })));
  await db.close();
}

const metaKey = (name: string) => Uint8Array.of(PREFIX.meta, ...new TextEncoder().encode(name));

describe.each(kinds)("damaged or foreign data in the $name store", (kind) => {
  let place: Place;
  let store: Store | undefined;

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await place.cleanup();
  });

  async function chainOf(n: number, p: NetworkParams = params): Promise<void> {
    place = await kind.place();
    const s = await place.open({ params: p });
    const cs = await openChain({ backend: s, params: p });
    await minePayments(cs, n, 1);
    await s.close();
  }

  /** Opens and loads; returns the StoreError that must come out. */
  async function refusal(p: NetworkParams = params): Promise<StoreError> {
    try {
      store = await place.open({ params: p });
      await openChain({ backend: store, params: p });
    } catch (e) {
      expect(e).toBeInstanceOf(StoreError);
      return e as StoreError;
    }
    throw new Error("expected a StoreError");
  }

  const where = () => (kind.name === "level" ? /\/chain: data is damaged/ : /\(memory\): data is damaged/);

  it("refuses a coin that does not decode, naming the path and the coin", async () => {
    await chainOf(3);
    const k = await firstKey(place, PREFIX.coin);
    await tamper(place, [{ key: k, value: Uint8Array.of(1, 2, 3) }]);
    const e = await refusal();
    expect(e.message).toMatch(where());
    expect(e.message).toMatch(/coin [0-9a-f]{64}:\d+ does not decode/);
    expect(e.message).toMatch(/move .* away to start a fresh chain/);
  });

  it("refuses an index entry that does not decode, or that describes another block", async () => {
    await chainOf(3);
    const k = await firstKey(place, PREFIX.index);
    await tamper(place, [{ key: k, value: new Uint8Array(10) }]);
    expect((await refusal()).message).toMatch(/index entry of block [0-9a-f]{64} does not decode/);
    await place.cleanup();

    await chainOf(3);
    const k2 = await firstKey(place, PREFIX.index);
    const moved = Uint8Array.from(k2);
    moved[5] ^= 1;
    const db = place.raw();
    if (db.status !== "open") await db.open();
    const v = (await db.get(k2))!;
    await db.close();
    await tamper(place, [{ key: moved, value: v }]);
    expect((await refusal()).message).toMatch(/index entry stored under [0-9a-f]{64} describes block/);
  });

  it("refuses a tip that is not in the index, and a missing block index entry", async () => {
    await chainOf(3);
    await tamper(place, [{ key: metaKey("tip"), value: new Uint8Array(32).fill(7) }]);
    expect((await refusal()).message).toMatch(/the tip 0707.* is not in the block index/);
    await place.cleanup();

    await chainOf(3);
    await tamper(place, [{ key: Uint8Array.of(PREFIX.index, ...hashBytes(genesisHash(params))) }]);
    expect((await refusal()).message).toMatch(/genesis block [0-9a-f]{64} is missing from the block index/);
  });

  it("reports a damaged block body when it is read", async () => {
    await chainOf(3);
    const k = await firstKey(place, PREFIX.block);
    await tamper(place, [{ key: k, value: Uint8Array.of(0xff, 0xff) }]);
    store = await place.open();
    const hash = Buffer.from(k.subarray(1)).toString("hex");
    await expect(store.getBlock(hash as never)).rejects.toThrow(StoreError);
    await expect(store.getBlock(hash as never)).rejects.toThrow(/block [0-9a-f]{64} does not decode/);
  });

  it("says the store is closed when used after close()", async () => {
    await chainOf(1);
    const s = await place.open();
    await s.close();
    await expect(s.getBlock(genesisHash(params))).rejects.toThrow(/^cannot read block [0-9a-f]{64}: the store at .* is closed$/);
    await expect(
      s.commit({ kind: "disconnect", hash: genesisHash(params), tip: genesisHash(params), addCoins: [], removeCoins: [], entries: [] }),
    ).rejects.toThrow(StoreError);
  });

  it("refuses a chain of another network, naming both genesis hashes", async () => {
    await chainOf(2, othernet);
    const e = await refusal(params);
    expect(e.message).toContain("holds a chain of another network (othernet, genesis ");
    expect(e.message).toContain(genesisHash(othernet));
    expect(e.message).toContain(`this node runs devnet, genesis ${genesisHash(params)}`);
    expect(e.message).toMatch(/use another --datadir or remove it$/);
  });

  it("refuses another storage schema and data that is not a utxolab chain", async () => {
    await chainOf(1);
    await tamper(place, [{ key: metaKey("schema"), value: Uint8Array.of(9, 0, 0, 0) }]);
    expect((await refusal()).message).toMatch(/written with storage schema 9 and this program reads schema 1/);
    await place.cleanup();

    place = await kind.place();
    await tamper(place, [{ key: new TextEncoder().encode("hello"), value: Uint8Array.of(1) }]);
    expect((await refusal()).message).toMatch(/holds data that is not a utxolab chain/);
  });
});

describe("the LevelDB datadir", () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill("SIGKILL");
        await new Promise((r) => c.once("exit", r));
      }
    }
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const dir = async () => {
    const d = await tempDir();
    dirs.push(d);
    return d;
  };

  it("is created if missing, and refused while another process holds it", async () => {
    const root = await dir();
    const datadir = join(root, "a", "b", "devnet");
    const s = await openStore({ dir: datadir, params });
    expect(s.path).toBe(join(datadir, "chain"));
    await openChain({ backend: s });
    await s.close();

    // LevelDB's lock is a file lock held by a process: hold it from another one.
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { Level } from "level"; const db = new Level(${JSON.stringify(join(datadir, "chain"))}); await db.open(); console.log("held"); setInterval(() => {}, 1000);`,
      ],
      { cwd: join(import.meta.dirname, ".."), stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.once("data", () => resolve());
      holder.once("exit", (code) => reject(new Error(`lock holder exited with ${code}`)));
    });
    const e = await openStore({ dir: datadir, params }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StoreError);
    expect((e as Error).message).toBe(`datadir ${datadir} is in use by another utxolab node; stop it first or use another --datadir`);

    // A holder that dies (even killed) releases the lock.
    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("exit", r));
    const again = await openStore({ dir: datadir, params });
    expect((await again.load())?.tip).toBe(genesisHash(params));
    await again.close();
  });

  it("is refused when this process already has it open", async () => {
    const datadir = await dir();
    const s = await openStore({ dir: datadir, params });
    await expect(openStore({ dir: datadir, params })).rejects.toThrow(`datadir ${datadir} is in use by another utxolab node`);
    await s.close();
  });

  it("gives clear errors for a datadir that is a file, no datadir, and damaged database files", async () => {
    const root = await dir();
    const file = join(root, "file");
    writeFileSync(file, "x");
    await expect(openStore({ dir: file, params })).rejects.toThrow(
      /^cannot create datadir .*file \(.*\); pass a writable directory with --datadir$/,
    );
    await expect(openStore({ params })).rejects.toThrow(/no datadir given: pass --datadir DIR, or --memory/);

    const datadir = join(root, "node");
    const s = await openStore({ dir: datadir, params });
    await openChain({ backend: s });
    await s.close();
    const chain = join(datadir, "chain");
    const manifest = readdirSync(chain).find((f) => f.startsWith("MANIFEST-"))!;
    writeFileSync(join(chain, manifest), "not a manifest at all, just some bytes to trip the reader");
    const e = await openStore({ dir: datadir, params }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StoreError);
    expect((e as Error).message).toContain(chain);
    expect((e as Error).message).toMatch(/move .*chain away to start a fresh chain/);
  });
});
