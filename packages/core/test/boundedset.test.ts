import { describe, expect, it } from "vitest";
import { BoundedSet } from "../src/boundedset.js";
import { SigCache } from "../src/sigcache.js";

describe("BoundedSet", () => {
  it("forgets exactly the oldest member beyond its capacity, also after deletes and re-adds", () => {
    const s = new BoundedSet<number>(3);
    for (const v of [1, 2, 3]) s.add(v);
    s.delete(1);
    s.add(1); // re-added: now the newest
    s.add(4); // evicts 2, the oldest live member
    expect([1, 2, 3, 4].map((v) => s.has(v))).toEqual([true, false, true, true]);
    s.add(5); // evicts 3
    expect([1, 3, 4, 5].map((v) => s.has(v))).toEqual([true, false, true, true]);
    expect(s.size).toBe(3);
  });

  it("refuses a capacity below 1", () => {
    expect(() => new BoundedSet(0)).toThrow(/capacity/);
  });

  // Attack 3 of issue 12: with a Set and values().next(), every insert into a full set walked
  // over the holes left by earlier evictions (quadratic). Count the work instead of timing it.
  it("does linear work for 50,000 inserts past capacity", () => {
    const cap = 100_000;
    const s = new BoundedSet<string>(cap);
    for (let i = 0; i < cap; i++) s.add(`a${i}`);
    const before = s.steps;
    for (let i = 0; i < 50_000; i++) s.add(`b${i}`);
    expect(s.size).toBe(cap);
    expect(s.has("a49999")).toBe(false);
    expect(s.has("a50000")).toBe(true);
    // each insert pops one queue entry, plus compaction of at most as many
    expect(s.steps - before).toBeLessThanOrEqual(2 * 50_000 + cap);
  });

  it("stays bounded and linear when members are deleted between inserts (stale queue entries)", () => {
    const cap = 1_000;
    const s = new BoundedSet<number>(cap);
    for (let i = 0; i < 200_000; i++) {
      s.add(i);
      if (i % 2 === 0) s.delete(i);
    }
    expect(s.size).toBe(cap);
    expect(s.steps).toBeLessThanOrEqual(4 * 200_000);
    expect((s as unknown as { queue: number[] }).queue.length).toBeLessThanOrEqual(3 * cap + 16);
  });

  it("SigCache is a BoundedSet", () => {
    const c = new SigCache(2);
    expect(c).toBeInstanceOf(BoundedSet);
    expect(c.capacity).toBe(2);
  });
});
