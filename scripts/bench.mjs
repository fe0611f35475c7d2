#!/usr/bin/env node
// Runs the benchmark scripts in scripts/bench/ one after another, each in its own
// Node process so one benchmark's heap and JIT state cannot colour the next one's numbers.
// `node scripts/bench.mjs` runs them all in name order; `node scripts/bench.mjs core mempool`
// runs only those named. Packages must be built first (`pnpm bench` does `tsc -b`).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { cpus } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, "bench");
const repoRoot = dirname(here);

const available = readdirSync(benchDir)
  .filter((f) => f.endsWith(".mjs"))
  .map((f) => basename(f, ".mjs"))
  .sort();

const wanted = process.argv.slice(2).map((a) => basename(a).replace(/\.mjs$/, ""));
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`no benchmark named ${unknown.join(", ")}; available: ${available.join(", ")}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? wanted : available;

if (!existsSync(join(repoRoot, "packages/core/dist/index.js"))) {
  console.error("packages are not built: run `pnpm bench` (which builds first) or `pnpm exec tsc -b`");
  process.exit(2);
}

const cpu = cpus();
console.log(`node ${process.version}, ${cpu.length} cores (${cpu[0]?.model ?? "unknown cpu"}), ${process.platform}/${process.arch}`);

const failed = [];
for (const name of selected) {
  console.log(`\n== ${name} ==`);
  const started = performance.now();
  const r = spawnSync(process.execPath, [join(benchDir, `${name}.mjs`)], { stdio: "inherit", cwd: repoRoot });
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed.push(name);
    console.log(`-- ${name} failed (exit ${r.status ?? r.signal}) after ${secs}s`);
  } else console.log(`-- ${name} done in ${secs}s`);
}

if (failed.length > 0) {
  console.error(`\n${failed.length} benchmark(s) failed: ${failed.join(", ")}`);
  process.exit(1);
}
