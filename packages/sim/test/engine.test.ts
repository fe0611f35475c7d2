import { describe, expect, it } from "vitest";
import { Rng, Scheduler, SimClock } from "../src/index.js";

describe("scheduler", () => {
  it("runs events by time, then in the order they were scheduled, and skips cancelled ones", async () => {
    const s = new Scheduler();
    const log: string[] = [];
    s.schedule(20, () => log.push("b@20"));
    s.schedule(10, () => log.push("a@10"));
    s.schedule(20, () => log.push("c@20"));
    const gone = s.schedule(15, () => log.push("never"));
    s.cancel(gone);
    s.schedule(5, () => s.schedule(0, () => log.push(`d@${s.now}`)));
    await s.run(100);
    expect(log).toEqual(["d@5", "a@10", "b@20", "c@20"]);
    expect(s.now).toBe(100);
  });

  it("lets promise work started by an event finish at that event's time", async () => {
    const s = new Scheduler();
    const seen: number[] = [];
    s.schedule(7, () => {
      void (async () => {
        for (let i = 0; i < 50; i++) await Promise.resolve();
        seen.push(s.now);
      })();
    });
    s.schedule(8, () => seen.push(s.now));
    await s.run(10);
    expect(seen).toEqual([7, 8]);
  });

  it("stops when asked between events", async () => {
    const s = new Scheduler();
    let n = 0;
    for (let i = 1; i <= 10; i++) s.schedule(i, () => n++);
    await s.run(Number.POSITIVE_INFINITY, () => n >= 3);
    expect(n).toBe(3);
    expect(s.now).toBe(3);
  });
});

describe("virtual clock", () => {
  it("fires timeouts and intervals on virtual time, and a killed clock fires nothing more", async () => {
    const s = new Scheduler();
    const c = new SimClock(s, 1_000_000);
    const log: string[] = [];
    c.setTimeout(() => log.push(`t@${c.now()}`), 30);
    const iv = c.setInterval(() => log.push(`i@${c.now()}`), 25);
    const cleared = c.setTimeout(() => log.push("cleared"), 10);
    c.clearTimeout(cleared);
    await s.run(60);
    c.clearInterval(iv);
    c.setTimeout(() => log.push("after kill"), 5);
    c.kill();
    await s.run(200);
    expect(log).toEqual(["i@1000025", "t@1000030", "i@1000050"]);
    expect(c.seconds()).toBe(1000);
  });

  it("paces a short interval by traffic: busy ticks while the node has messages, idle ticks after, brought forward by a message", async () => {
    const s = new Scheduler();
    const c = new SimClock(s, 0, { busyMs: 5_000, idleMs: 60_000, windowMs: 30_000 });
    const ticks: number[] = [];
    c.setInterval(() => ticks.push(s.now), 500);
    // a longer timer is not paced
    const slow: number[] = [];
    c.setInterval(() => slow.push(s.now), 7_000);
    await s.run(130_000);
    expect(ticks).toEqual([60_000, 120_000]);
    expect(slow.slice(0, 2)).toEqual([7_000, 14_000]);
    c.touch(); // a message at 130 s: the idle tick due at 180 s moves to 135 s
    await s.run(200_000);
    // busy pace until 30 s after the message, then idle again (next tick at 220 s)
    expect(ticks).toEqual([60_000, 120_000, 135_000, 140_000, 145_000, 150_000, 155_000, 160_000]);
    const plain = new SimClock(s, 0);
    const fast: number[] = [];
    plain.setInterval(() => fast.push(s.now), 500);
    await s.run(201_600);
    expect(fast).toEqual([200_500, 201_000, 201_500]);
  });
});

describe("seeded generator", () => {
  it("repeats its sequence for a seed and differs between seeds", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 20 }, () => a.u32());
    expect(Array.from({ length: 20 }, () => b.u32())).toEqual(xa);
    expect(Array.from({ length: 20 }, () => c.u32())).not.toEqual(xa);
  });

  it("draws exponential waits with the asked mean and weighted choices in proportion", () => {
    const r = new Rng("stats");
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) sum += r.exp(600);
    expect(sum / n).toBeGreaterThan(585);
    expect(sum / n).toBeLessThan(615);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) counts[r.weighted([0.2, 0.3, 0.5])]++;
    expect(counts[0] / n).toBeCloseTo(0.2, 1);
    expect(counts[2] / n).toBeCloseTo(0.5, 1);
    const s = r.sample(10, 4, new Set([3]));
    expect(new Set(s).size).toBe(4);
    expect(s).not.toContain(3);
  });
});
