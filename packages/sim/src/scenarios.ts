import { SigCache } from "@utxolab/core";
import { doubleSpendRace, selfishMining } from "./attacks.js";
import { randomFaults } from "./faults.js";
import { Rng } from "./rng.js";
import { type FaultSpec, type SimReport, Simulation } from "./sim.js";
import { nakamoto, proportionError, rosenfeld, selfishRevenue, selfishThreshold } from "./theory.js";

/** What a scenario prints: a title, a few lines of why, a table; and everything measured, for --json. */
export interface ScenarioResult {
  title: string;
  explanation: string[];
  headers: string[];
  rows: string[][];
  notes: string[];
  ok: boolean;
  json: Record<string, unknown>;
}

export type Progress = (done: number, total: number) => void;

const pct = (x: number, digits = 1): string => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : "-");
const secs = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s` : "-");

/** A plain-text table, columns padded. */
export function renderTable(headers: string[], rows: string[][]): string {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [line(headers), w.map((x) => "-".repeat(x)).join("  "), ...rows.map(line)].join("\n");
}

export function renderResult(r: ScenarioResult): string {
  return [r.title, "", ...r.explanation, "", renderTable(r.headers, r.rows), "", ...r.notes].join("\n");
}

// ------------------------------------------------------------------ forks

export interface ForksOptions {
  seed: number;
  nodes: number;
  blocks: number;
  /** block intervals to compare, seconds */
  intervals: number[];
  /** simulated block size, bytes */
  blockBytes: number;
  traceFile?: string;
  progress?: Progress;
}

/**
 * Why forks happen: the same network and block size at shorter and shorter
 * block intervals. A block is stale when another is found before it reached
 * the miner; the chance grows with propagation delay ÷ interval.
 */
export async function forksScenario(o: ForksOptions): Promise<ScenarioResult> {
  const rows: string[][] = [];
  const runs: Record<string, unknown>[] = [];
  const sigCache = new SigCache(100_000);
  let ok = true;
  let done = 0;
  for (const [i, interval] of o.intervals.entries()) {
    const sim = new Simulation({
      seed: o.seed + i,
      nodes: o.nodes,
      blocks: o.blocks,
      blockIntervalMs: interval * 1000,
      txPerBlock: 2,
      blockPadBytes: o.blockBytes,
      // checking a block costs time too: 20 ms plus 50 ms per MB (an assumption, see docs/simulation.md)
      verifyMs: 20 + (50 * o.blockBytes) / 1e6,
      sigCache,
      ...(o.traceFile && i === o.intervals.length - 1 ? { traceFile: o.traceFile } : {}),
      progress: (f) => o.progress?.(done + f, o.blocks * o.intervals.length),
    });
    await sim.setup();
    const r = await sim.run();
    done += o.blocks;
    ok &&= r.invariants.ok;
    const d = r.propagation.meanArrival;
    const predicted = 1 - Math.exp(-d / (interval * 1000));
    rows.push([
      `${interval} s`,
      secs(r.propagation.p50),
      secs(r.propagation.p90),
      secs(r.propagation.p99),
      (d / (interval * 1000)).toFixed(4),
      `${r.staleBlocks}/${r.blocksFound + r.settleBlocks}`,
      pct(r.staleRate),
      pct(predicted),
      maxReorg(r),
    ]);
    runs.push({ intervalSeconds: interval, ...summary(r), predictedStaleRate: predicted });
  }
  return {
    title: `Forks: ${o.nodes} nodes, ${Math.round(o.blockBytes / 1000)} kB blocks, ${o.blocks} blocks per interval`,
    explanation: [
      "Every node runs the real chain, pool and peer code; links have the latency of the six-region model",
      "and a bandwidth. Blocks are found by a Poisson process. A block is stale (off the final chain) when",
      "another block at its height was found before it had spread. The stale rate tracks the ratio",
      "propagation delay ÷ block interval: roughly 1 − exp(−delay/interval) (Decker & Wattenhofer 2013).",
    ],
    headers: ["interval", "to 50%", "to 90%", "to 99%", "delay/interval", "stale", "stale rate", "1−e^(−d/T)", "deepest reorg"],
    rows,
    notes: [
      "d = mean time for a block to reach a node (over blocks and nodes). Few blocks per row: the stale rate of a row has a",
      "statistical error of about √(stale)/blocks; run with --blocks 1000 for tighter numbers.",
      ok ? "Invariants held in every run." : "INVARIANTS FAILED: see the JSON output.",
    ],
    ok,
    json: { scenario: "forks", seed: o.seed, nodes: o.nodes, blockBytes: o.blockBytes, runs },
  };
}

const maxReorg = (r: SimReport): string => {
  const ds = Object.keys(r.reorgDepths).map(Number);
  return ds.length ? String(Math.max(...ds)) : "0";
};

function summary(r: SimReport): Record<string, unknown> {
  return {
    ...r,
    invariants: { ok: r.invariants.ok, problems: r.invariants.problems, tip: r.invariants.tip, height: r.invariants.height },
  };
}

// ------------------------------------------------------------------ double spend

export interface DoubleSpendScenarioOptions {
  q: number;
  z: number;
  runs: number;
  seed: number;
  progress?: Progress;
}

export async function doubleSpendScenario(o: DoubleSpendScenarioOptions): Promise<ScenarioResult> {
  const sigCache = new SigCache(10_000);
  let wins = 0;
  let gaveUp = 0;
  let blocks = 0;
  let ok = true;
  const hashes: string[] = [];
  for (let i = 0; i < o.runs; i++) {
    const r = await doubleSpendRace({ q: o.q, z: o.z, seed: o.seed + i, sigCache });
    if (r.success) wins++;
    if (r.gaveUp) gaveUp++;
    blocks += r.blocks;
    ok &&= r.report.invariants.ok;
    hashes.push(r.report.traceHash);
    o.progress?.(i + 1, o.runs);
  }
  const rate = wins / o.runs;
  const err = 1.96 * proportionError(rate, o.runs);
  const ros = rosenfeld(o.q, o.z);
  const nak = nakamoto(o.q, o.z);
  const rows: string[][] = [[`${o.z}`, `${o.runs}`, `${wins}`, `${pct(rate)} ± ${pct(err)}`, pct(ros, 2), pct(nak, 2)]];
  return {
    title: `Double spend: attacker with q = ${o.q} of the hash power, merchant waits z = ${o.z} confirmations`,
    explanation: [
      "The attacker pays the merchant and, in a block it keeps to itself, pays the same coin back to",
      "itself. It mines on that private branch; when the merchant's payment has z confirmations and the",
      "private branch is longer than the public one, it publishes, and every node (the real chain code)",
      "switches to the longer branch: the payment disappears. Success is read from the merchant's chain.",
      "The whitepaper (§11) approximates the attacker's progress as Poisson; Rosenfeld gives the exact value.",
    ],
    headers: ["z", "races", "successes", "measured (95%)", "Rosenfeld", "whitepaper"],
    rows,
    notes: [
      `Within the error if |measured − Rosenfeld| ≤ ${pct(err)}: ${Math.abs(rate - ros) <= err ? "yes" : "no"}.`,
      `${gaveUp} races ended with the attacker giving up; ${(blocks / o.runs).toFixed(1)} blocks per race.`,
      ok ? "Invariants held in every race." : "INVARIANTS FAILED: see the JSON output.",
    ],
    ok,
    json: {
      scenario: "double-spend",
      q: o.q,
      z: o.z,
      runs: o.runs,
      seed: o.seed,
      successes: wins,
      rate,
      error95: err,
      rosenfeld: ros,
      nakamoto: nak,
      gaveUp,
      traceHashes: hashes,
    },
  };
}

// ------------------------------------------------------------------ selfish mining

export interface SelfishScenarioOptions {
  alpha: number;
  gamma: number;
  blocks: number;
  seed: number;
  traceFile?: string;
  progress?: Progress;
}

export async function selfishScenario(o: SelfishScenarioOptions): Promise<ScenarioResult> {
  const r = await selfishMining({
    alpha: o.alpha,
    gamma: o.gamma,
    blocks: o.blocks,
    seed: o.seed,
    ...(o.traceFile ? { traceFile: o.traceFile } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  const err = 1.96 * proportionError(r.revenue, r.mainChain) * 2;
  const theory = selfishRevenue(o.alpha, r.gammaMeasured);
  const threshold = selfishThreshold(r.gammaMeasured);
  return {
    title: `Selfish mining: a pool with α = ${o.alpha} of the hash power, γ = ${o.gamma}`,
    explanation: [
      "The pool keeps the blocks it finds to itself and publishes them only to win races (Eyal and Sirer,",
      '"Majority is not enough", 2014): honest miners waste work on blocks the pool then orphans.',
      "γ is the share of honest miners that build on the pool's block when two blocks race; here it is set",
      "by the network (how quickly the pool's announcements reach them) and measured.",
    ],
    headers: ["α", "γ set", "γ measured", "main chain", "pool blocks", "pool share", "Eyal–Sirer", "honest share", "break-even α"],
    rows: [
      [
        `${o.alpha}`,
        `${o.gamma}`,
        Number.isFinite(r.gammaMeasured) ? r.gammaMeasured.toFixed(2) : "-",
        `${r.mainChain}`,
        `${r.poolBlocks}`,
        `${pct(r.revenue)} ± ${pct(err)}`,
        pct(theory),
        pct(1 - r.revenue),
        threshold.toFixed(3),
      ],
    ],
    notes: [
      r.revenue > o.alpha
        ? `The pool earns more than its ${pct(o.alpha, 0)} of the hash power: selfish mining pays here.`
        : `The pool earns no more than its ${pct(o.alpha, 0)} of the hash power: below the break-even, honesty pays.`,
      `Eyal–Sirer is evaluated at the measured γ; stale blocks: ${r.report.staleBlocks} of ${r.report.blocksFound + r.report.settleBlocks}; ties: ${r.ties}.`,
      r.report.invariants.ok ? "Invariants held." : `INVARIANTS FAILED: ${r.report.invariants.problems.join("; ")}`,
    ],
    ok: r.report.invariants.ok,
    json: { scenario: "selfish", ...r, report: summary(r.report), eyalSirer: theory, threshold },
  };
}

// ------------------------------------------------------------------ partition

export interface PartitionOptions {
  seed: number;
  nodes: number;
  /** blocks before, during and after the split */
  blocks: number;
  /** how long the network stays split, minutes */
  minutes: number;
  traceFile?: string;
  progress?: Progress;
}

/** The Americas lose their links to the rest of the world for a while; each side mines its own chain; then the links come back. */
export async function partitionScenario(o: PartitionOptions): Promise<ScenarioResult> {
  const splitAt = 20 * 60_000;
  const healAt = splitAt + o.minutes * 60_000;
  let groups: number[][] = [];
  const sim = new Simulation({
    seed: o.seed,
    nodes: o.nodes,
    blocks: o.blocks,
    blockIntervalMs: 600_000,
    txPerBlock: 3,
    ...(o.traceFile ? { traceFile: o.traceFile } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  await sim.setup();
  // north and south america (regions 0 and 2) against the rest
  const west = sim.nodes.filter((n) => n.o.region === 0 || n.o.region === 2).map((n) => n.id);
  const east = sim.nodes.filter((n) => n.o.region !== 0 && n.o.region !== 2).map((n) => n.id);
  groups = [west, east];
  const heights: { west: number; east: number } = { west: 0, east: 0 };
  let atSplit = 0;
  sim.sched.at(splitAt - 1, () => {
    atSplit = Math.max(...sim.nodes.map((n) => n.chain.height));
  });
  sim.sched.at(healAt - 1, () => {
    heights.west = Math.max(...west.map((i) => sim.nodes[i].chain.height));
    heights.east = Math.max(...east.map((i) => sim.nodes[i].chain.height));
  });
  const faults: FaultSpec[] = [
    { at: splitAt, kind: "partition", groups },
    { at: healAt, kind: "heal" },
  ];
  (sim.cfg.faults as FaultSpec[]).push(...faults);
  const r = await sim.run();
  const depths = Object.entries(r.reorgDepths);
  const reorgNodes = depths.reduce((a, [, c]) => a + c, 0);
  return {
    title: `Partition: ${o.nodes} nodes, the Americas cut off from the rest for ${o.minutes} minutes`,
    explanation: [
      `At ${splitAt / 60_000} min every link between the Americas (${west.length} nodes) and Europe/Asia/Oceania`,
      `(${east.length} nodes) breaks. Each side keeps mining at its share of the hash power, on its own chain.`,
      "When the links return, nodes reconnect (with their redial backoff), exchange headers, and every node",
      "switches to the chain with the most work: the other side's blocks become stale, their payments go back",
      "to the pool. Then the run checks that every node agrees and every balance is intact.",
    ],
    headers: [
      "side",
      "nodes",
      "height at split",
      "blocks while split",
      "final height",
      "stale blocks",
      "reorgs (depth: nodes)",
      "converged after heal",
    ],
    rows: [
      [
        "Americas",
        `${west.length}`,
        `${atSplit}`,
        `${heights.west - atSplit}`,
        `${r.height}`,
        `${r.staleBlocks}`,
        depths.map(([d, c]) => `${d}: ${c}`).join(", ") || "none",
        secs(r.convergeAfterHealMs[0] ?? Number.NaN),
      ],
      ["rest", `${east.length}`, `${atSplit}`, `${heights.east - atSplit}`, "", "", "", ""],
    ],
    notes: [
      `${reorgNodes} node reorganizations in all; propagation to 90% ${secs(r.propagation.p90)} (median over blocks).`,
      r.invariants.ok
        ? `Invariants held: one chain (height ${r.height}), every UTXO set equal to a replay of its blocks, supply within the schedule.`
        : `INVARIANTS FAILED: ${r.invariants.problems.join("; ")}`,
      `Trace hash ${r.traceHash} (same --seed, same hash).`,
    ],
    ok: r.invariants.ok,
    json: {
      scenario: "partition",
      splitAtMs: splitAt,
      healAtMs: healAt,
      groups: { west, east },
      heightAtSplit: atSplit,
      heightsAtHeal: heights,
      report: summary(r),
    },
  };
}

// ------------------------------------------------------------------ scale and soak

export interface ScaleOptions {
  seed: number;
  nodes: number;
  blocks: number;
  txPerBlock: number;
  /** connections each node dials (default 8, as Bitcoin Core); 4 halves the links and messages of a big run */
  outbound?: number;
  traceFile?: string;
  progress?: Progress;
}

export async function scaleScenario(o: ScaleOptions): Promise<ScenarioResult> {
  const sim = new Simulation({
    seed: o.seed,
    nodes: o.nodes,
    blocks: o.blocks,
    txPerBlock: o.txPerBlock,
    ...(o.outbound !== undefined ? { outbound: o.outbound } : {}),
    ...(o.traceFile ? { traceFile: o.traceFile } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  await sim.setup();
  const r = await sim.run();
  return {
    title: `Scale: ${o.nodes} nodes × ${o.blocks} blocks, ${o.outbound ?? 8} outbound connections each`,
    explanation: ["How fast the simulator runs the real node code, and what one node costs in memory."],
    headers: ["nodes", "blocks", "events", "events/s", "wall", "cpu", "messages", "MB on the wire", "heap/node", "stale rate", "to 90%"],
    rows: [
      [
        `${o.nodes}`,
        `${r.blocksFound}`,
        `${r.events}`,
        `${Math.round(r.eventsPerSecond)}`,
        secs(r.wallMs),
        secs(r.cpuMs),
        `${r.messages}`,
        r.megabytes.toFixed(1),
        `${Math.round(r.memoryPerNodeKB)} kB`,
        pct(r.staleRate, 2),
        secs(r.propagation.p90),
      ],
    ],
    notes: [
      r.invariants.ok ? "Invariants held." : `INVARIANTS FAILED: ${r.invariants.problems.slice(0, 5).join("; ")}`,
      `Trace hash ${r.traceHash}.`,
    ],
    ok: r.invariants.ok,
    json: { scenario: "scale", report: summary(r) },
  };
}

export interface SoakOptions {
  seed: number;
  runs: number;
  progress?: Progress;
}

/** Many short runs with random fault schedules; every one must keep the invariants. */
export async function soakScenario(o: SoakOptions): Promise<ScenarioResult> {
  const sigCache = new SigCache(100_000);
  const failures: { seed: number; faults: FaultSpec[]; problems: string[] }[] = [];
  const t0 = performance.now();
  for (let i = 0; i < o.runs; i++) {
    const seed = o.seed + i;
    const rng = new Rng(`soak-${seed}`);
    const nodes = 3 + rng.int(10);
    const blocks = 3 + rng.int(10);
    const faults = randomFaults(rng, { nodes, horizonMs: blocks * 60_000 });
    const sim = new Simulation({ seed, nodes, blocks, blockIntervalMs: 60_000, txPerBlock: 1, faults, sigCache, minerCount: nodes });
    await sim.setup();
    const r = await sim.run();
    if (!r.invariants.ok) failures.push({ seed, faults, problems: r.invariants.problems });
    o.progress?.(i + 1, o.runs);
  }
  return {
    title: `Soak: ${o.runs} short runs with random fault schedules (seeds ${o.seed}..${o.seed + o.runs - 1})`,
    explanation: ["Partitions, crashes and restarts, slow, lossy and reordering links; then heal, settle and check."],
    headers: ["runs", "failed", "wall"],
    rows: [[`${o.runs}`, `${failures.length}`, secs(performance.now() - t0)]],
    notes: failures
      .slice(0, 10)
      .map((f) => `seed ${f.seed}: ${f.problems.join("; ")} — replay: utxolab sim soak --seed ${f.seed} --runs 1`),
    ok: failures.length === 0,
    json: { scenario: "soak", runs: o.runs, seed: o.seed, failures },
  };
}
