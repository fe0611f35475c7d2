#!/usr/bin/env node
// Thousands of short simulation runs with random fault schedules (partitions, crashes and
// restarts, slow, lossy and reordering links); every run must end with all nodes on one chain,
// every UTXO set equal to a replay of its blocks, no coin out of range and the supply within
// the schedule. CI runs 300 of these (packages/sim/test/sim.slow.test.ts); this runs as many as asked.
//
//   node scripts/sim-soak.mjs [RUNS=2000] [FIRST_SEED=1]
//
// A failing seed is printed with the command that replays it exactly.
// Packages must be built first (`pnpm exec tsc -b`).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, "packages/sim/dist/index.js");
if (!existsSync(dist)) {
  console.error("packages are not built: run `pnpm exec tsc -b` first");
  process.exit(2);
}
const { soakScenario, renderResult } = await import(dist);

const runs = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? 1);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || seed < 0) {
  console.error("usage: node scripts/sim-soak.mjs [RUNS] [FIRST_SEED]");
  process.exit(2);
}
const t0 = Date.now();
let last = 0;
const r = await soakScenario({
  seed,
  runs,
  progress: (done, total) => {
    if (Date.now() - last > 5000 || done === total) {
      last = Date.now();
      console.error(`${done}/${total} runs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  },
});
console.log(renderResult(r));
process.exit(r.ok ? 0 : 1);
