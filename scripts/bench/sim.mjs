// Simulator cost per node and block, side by side in one process: the same run (same seed,
// nodes, blocks) with the timers and per-peer memory of a real node (heartbeat every 500 ms,
// pings every 30 min as the simulator had them, 100,000 known hashes per peer) and with the
// simulator's defaults (heartbeat paced by traffic, pings every 2 h, 100 known hashes per
// peer; see docs/simulation.md), then the simulator's defaults with 4 outbound connections per
// node instead of 8 (`utxolab sim scale --outbound 4`, the setting of the 1,000 × 1,000 run).
// CPU time (process.cpuUsage) is the number to compare on a shared machine; wall time is
// printed too.
// Usage: node scripts/bench/sim.mjs [--nodes 200] [--blocks 30]
import { Simulation } from "../../packages/sim/dist/index.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const NODES = arg("nodes", 200);
const BLOCKS = arg("blocks", 30);

async function run(label, extra) {
  const sim = new Simulation({ seed: 7, nodes: NODES, blocks: BLOCKS, txPerBlock: 1, ...extra });
  await sim.setup();
  const r = await sim.run();
  if (!r.invariants.ok) throw new Error(`${label}: invariants failed: ${r.invariants.problems.join("; ")}`);
  const perNodeBlock = r.cpuMs / (NODES * r.blocksFound);
  console.log(
    `${label.padEnd(34)} ${String(r.events).padStart(9)} events ${String(r.messages).padStart(8)} messages ` +
      `cpu ${(r.cpuMs / 1000).toFixed(1).padStart(6)} s wall ${(r.wallMs / 1000).toFixed(1).padStart(6)} s ` +
      `${perNodeBlock.toFixed(3)} ms CPU per node and block`,
  );
  return perNodeBlock;
}

console.log(`${NODES} nodes × ${BLOCKS} blocks, 600 s blocks, 1 transaction per block`);
const real = await run("real-node timers and memory", {
  heartbeat: { busyMs: 500, idleMs: 500, windowMs: 0 },
  pingIntervalMs: 30 * 60_000,
  knownInventory: 100_000,
});
const sim = await run("simulator defaults", {});
const four = await run("simulator defaults, 4 outbound", { outbound: 4 });
console.log(`cost per node and block: ${(real / sim).toFixed(1)}× lower with the simulator's defaults`);
console.log(`cost per node and block: ${(sim / four).toFixed(1)}× lower again with 4 outbound connections instead of 8`);
