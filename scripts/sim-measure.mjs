#!/usr/bin/env node
// The measurements behind docs/simulation.md, as JSON lines on stdout:
//   node scripts/sim-measure.mjs [double-spend|selfish|forks ...] [--runs N] [--blocks N]
// double-spend: success rate for q in {0.1, 0.3}, z = 0..10, against Rosenfeld and the whitepaper;
// selfish: the pool's share for several α and γ, against Eyal–Sirer;
// forks: stale rate against propagation delay ÷ block interval.
// Packages must be built first (`pnpm exec tsc -b`).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const sim = await import(join(root, "packages/sim/dist/index.js"));
const { SigCache } = await import(join(root, "packages/core/dist/index.js"));

const args = process.argv.slice(2);
const opt = (name, d) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const what = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--")));
const want = (w) => what.length === 0 || what.includes(w);
const list = (name, d) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1].split(",").map(Number) : d;
};
const out = (o) => console.log(JSON.stringify(o));
const sigCache = new SigCache(100_000);

if (want("double-spend")) {
  const runs = opt("runs", 200);
  for (const q of [0.1, 0.3]) {
    for (let z = 0; z <= 10; z++) {
      const n = z === 0 ? Math.min(runs, 30) : runs;
      let wins = 0;
      let cpu = process.cpuUsage();
      for (let s = 1; s <= n; s++) {
        const r = await sim.doubleSpendRace({ q, z, seed: 1000 * z + s, sigCache });
        if (r.success) wins++;
        if (!r.report.invariants.ok) out({ invariantFailure: { q, z, seed: s, problems: r.report.invariants.problems } });
      }
      cpu = process.cpuUsage(cpu);
      const rate = wins / n;
      out({
        kind: "double-spend",
        q,
        z,
        runs: n,
        wins,
        rate,
        err95: 1.96 * sim.proportionError(rate, n),
        rosenfeld: sim.rosenfeld(q, z),
        nakamoto: sim.nakamoto(q, z),
        cpuS: (cpu.user + cpu.system) / 1e6,
      });
    }
  }
}

if (want("selfish")) {
  const blocks = opt("blocks", 800);
  for (const gamma of list("gammas", [0, 0.5, 1])) {
    for (const alpha of list("alphas", [0.1, 0.2, 0.25, 0.3, 0.35, 0.4])) {
      const r = await sim.selfishMining({ alpha, gamma, blocks, seed: Math.round(alpha * 100) + 7 * gamma, sigCache });
      out({
        kind: "selfish",
        alpha,
        gamma,
        gammaMeasured: r.gammaMeasured,
        ties: r.ties,
        revenue: r.revenue,
        mainChain: r.mainChain,
        poolBlocks: r.poolBlocks,
        eyalSirerNominal: sim.selfishRevenue(alpha, gamma),
        eyalSirerMeasuredGamma: sim.selfishRevenue(alpha, r.gammaMeasured),
        threshold: sim.selfishThreshold(gamma),
        staleRate: r.report.staleRate,
        invariants: r.report.invariants.ok,
      });
    }
  }
}

if (want("forks")) {
  const blocks = opt("blocks", 200);
  const nodes = opt("nodes", 50);
  for (const interval of list("intervals", [600, 120, 30, 10, 5, 2])) {
    const s = new sim.Simulation({
      seed: interval,
      nodes,
      blocks,
      blockIntervalMs: interval * 1000,
      txPerBlock: 1,
      blockPadBytes: 1_000_000,
      verifyMs: 70,
      sigCache,
    });
    await s.setup();
    const r = await s.run();
    out({
      kind: "forks",
      nodes,
      intervalS: interval,
      blocks: r.blocksFound + r.settleBlocks,
      stale: r.staleBlocks,
      staleRate: r.staleRate,
      p50: r.propagation.p50,
      p90: r.propagation.p90,
      p99: r.propagation.p99,
      meanArrival: r.propagation.meanArrival,
      ratio: r.propagation.meanArrival / (interval * 1000),
      predicted: 1 - Math.exp(-r.propagation.meanArrival / (interval * 1000)),
      reorgDepths: r.reorgDepths,
      invariants: r.invariants.ok,
    });
  }
}
