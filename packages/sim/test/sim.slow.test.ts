import { SigCache } from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { checkInvariants, doubleSpendRace, Rng, randomFaults, Simulation, selfishMining } from "../src/index.js";

const sigCache = new SigCache(100_000);

async function run(seed: number, extra: Partial<ConstructorParameters<typeof Simulation>[0]> = {}) {
  const sim = new Simulation({ seed, nodes: 12, blocks: 8, blockIntervalMs: 60_000, txPerBlock: 2, sigCache, ...extra });
  await sim.setup();
  return { sim, report: await sim.run() };
}

describe("a simulation run", () => {
  it("is deterministic: the same seed gives the same trace hash and numbers, another seed another hash", async () => {
    const faults = [
      {
        at: 100_000,
        kind: "partition" as const,
        groups: [
          [0, 1, 2, 3, 4, 5],
          [6, 7, 8, 9, 10, 11],
        ],
      },
      { at: 250_000, kind: "crash" as const, node: 2 },
      { at: 300_000, kind: "heal" as const },
    ];
    const a = (await run(7, { faults })).report;
    const b = (await run(7, { faults })).report;
    const c = (await run(8, { faults })).report;
    expect(a.traceHash).toBe(b.traceHash);
    expect({ ...a, wallMs: 0, cpuMs: 0, eventsPerSecond: 0, memoryPerNodeKB: 0 }).toEqual({
      ...b,
      wallMs: 0,
      cpuMs: 0,
      eventsPerSecond: 0,
      memoryPerNodeKB: 0,
    });
    expect(c.traceHash).not.toBe(a.traceHash);
    expect(a.invariants.ok).toBe(true);
    expect(a.height).toBeGreaterThan(0);
    expect(a.propagation.samples).toBeGreaterThan(0);
  });

  it("catches a broken node: invariants fail on a UTXO set that is not its chain's, and on split tips", async () => {
    const { sim } = await run(3, { blocks: 3 });
    const nodes = sim.nodes;
    expect((await checkInvariants(nodes, sim.cfg.params)).ok).toBe(true);
    // a coin out of nowhere in one node's set
    const u = nodes[4].chain.utxos;
    const [some] = u.entries();
    u.add("ab".repeat(32), 0, { ...some.coin, value: 5n });
    const r = await checkInvariants(nodes, sim.cfg.params);
    expect(r.ok).toBe(false);
    expect(r.problems.join("\n")).toMatch(/node 4: live UTXO set .* differs from the replay/);
    u.remove("ab".repeat(32), 0);
    // one node on its own block
    nodes[5].p2p.setNetworkEnabled(false);
    await nodes[5].mine("alone");
    const split = await checkInvariants(nodes, sim.cfg.params);
    expect(split.ok).toBe(false);
    expect(split.problems.join("\n")).toMatch(/node 5 is on/);
  });

  it("keeps every invariant through 300 short random fault schedules", async () => {
    const failures: string[] = [];
    for (let s = 1; s <= 300; s++) {
      const rng = new Rng(`ci-faults-${s}`);
      const nodes = 3 + rng.int(6);
      const blocks = 3 + rng.int(6);
      const faults = randomFaults(rng, { nodes, horizonMs: blocks * 60_000 });
      const sim = new Simulation({ seed: s, nodes, blocks, blockIntervalMs: 60_000, txPerBlock: 1, faults, sigCache, minerCount: nodes });
      await sim.setup();
      const r = await sim.run();
      if (!r.invariants.ok) failures.push(`seed ${s}: ${r.invariants.problems.join("; ")} (faults ${JSON.stringify(faults)})`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe("attacks on the real node code", () => {
  it("a double spend at zero confirmations always succeeds; the merchant's own chain says so", async () => {
    for (let s = 1; s <= 3; s++) {
      const r = await doubleSpendRace({ q: 0.1, z: 0, seed: s, sigCache });
      expect(r.released).toBe(true);
      expect(r.success).toBe(true);
      expect(r.report.invariants.ok).toBe(true);
    }
  });

  it("an attacker with 10% waiting for 6 confirmations gives up, and the merchant keeps the payment", async () => {
    const r = await doubleSpendRace({ q: 0.1, z: 6, seed: 11, sigCache });
    expect(r.gaveUp).toBe(true);
    expect(r.success).toBe(false);
    expect(r.report.invariants.ok).toBe(true);
  });

  it("selfish mining: the pool's share follows its strategy and γ follows the network set-up", async () => {
    const all = await selfishMining({ alpha: 0.3, gamma: 1, blocks: 60, seed: 5, sigCache });
    const none = await selfishMining({ alpha: 0.3, gamma: 0, blocks: 60, seed: 5, sigCache });
    expect(all.report.invariants.ok).toBe(true);
    expect(none.report.invariants.ok).toBe(true);
    expect(all.ties).toBeGreaterThan(0);
    // with γ = 1 only the finder itself stays on its block: 19 of 20 honest miners side with the pool
    expect(all.gammaMeasured).toBeGreaterThan(0.5);
    expect(none.gammaMeasured).toBe(0);
    expect(all.revenue).toBeGreaterThan(none.revenue);
    expect(all.poolBlocks).toBeLessThanOrEqual(all.mainChain);
  });
});
