import { utf8 } from "@utxolab/core";
import { openChain } from "@utxolab/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../src/index.js";
import { kinds, type Place } from "./places.js";

const text = (v: Uint8Array) => new TextDecoder().decode(v);

describe.each(kinds)("the capped log on the $name store", (kind) => {
  let place: Place;
  const open: Store[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await place.cleanup();
  });

  it("keeps the newest records in order across a reopening, never more than the cap, beside a chain", async () => {
    place = await kind.place();
    const store = await place.open();
    open.push(store);
    await openChain({ backend: store });
    for (let seq = 1; seq <= 12; seq++) await store.appendLog(seq, utf8(`r${seq}`), 5);
    const read = async (s: Store) => (await s.readLog(100)).map((r) => [r.seq, text(r.value)]);
    expect(await read(store)).toEqual([8, 9, 10, 11, 12].map((n) => [n, `r${n}`]));
    await store.close();
    open.pop();
    const again = await place.open();
    open.push(again);
    // the chain still opens: the log's prefix is its own
    expect((await openChain({ backend: again })).height).toBe(0);
    expect(await read(again)).toEqual([8, 9, 10, 11, 12].map((n) => [n, `r${n}`]));
    // a smaller limit later drops the oldest for good
    expect((await again.readLog(2)).map((r) => r.seq)).toEqual([11, 12]);
    expect((await again.readLog(100)).map((r) => r.seq)).toEqual([11, 12]);
  });

  it("refuses a sequence number or cap that would corrupt the log", async () => {
    place = await kind.place();
    const store = await place.open();
    open.push(store);
    await expect(store.appendLog(0, utf8("x"), 5)).rejects.toThrow(/seq 0/);
    await expect(store.appendLog(2 ** 32, utf8("x"), 5)).rejects.toThrow(/u32/);
    await expect(store.appendLog(1, utf8("x"), 0)).rejects.toThrow(/cap 0/);
  });
});
