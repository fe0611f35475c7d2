import { closeSync, openSync } from "node:fs";
import {
  doubleSpendScenario,
  forksScenario,
  partitionScenario,
  renderResult,
  type ScenarioResult,
  scaleScenario,
  selfishScenario,
  soakScenario,
} from "@utxolab/sim";
import { intOption, parseOptions, UsageError } from "./args.js";

export const SIM_USAGE =
  "utxolab sim forks|double-spend|selfish|partition|scale|soak [--seed N] [--nodes N] [--blocks N] [--q Q] [--z Z] [--runs N] [--alpha A] [--gamma G] [--minutes M] [--block-kb K] [--intervals S,S,...] [--tx PER_BLOCK] [--outbound N] [--trace FILE] [--json]";

function fraction(v: string | undefined, name: string, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!/^[0-9]*(\.[0-9]+)?$/.test(v) || v === "" || !Number.isFinite(x) || x < lo || x > hi) {
    throw new UsageError(`--${name} must be a number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
  }
  return x;
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (pipes and CI stay clean). */
function progressBar(label: string): { tick: (done: number, total: number) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  const t0 = Date.now();
  let last = -1;
  return {
    tick: (done, total) => {
      if (!tty) return;
      const width = 30;
      const filled = Math.round((done / Math.max(1, total)) * width);
      if (filled === last && done !== total) return;
      last = filled;
      const secs = ((Date.now() - t0) / 1000).toFixed(0);
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${secs} s `);
    },
    end: () => {
      if (tty && last >= 0) process.stderr.write("\n");
    },
  };
}

/** The options each scenario reads, besides --seed and --json. */
const SCENARIO_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  forks: ["nodes", "blocks", "intervals", "block-kb", "trace"],
  "double-spend": ["q", "z", "runs"],
  selfish: ["alpha", "gamma", "blocks", "trace"],
  partition: ["nodes", "blocks", "minutes", "trace"],
  scale: ["nodes", "blocks", "tx", "outbound", "trace"],
  soak: ["runs"],
};

export async function runSim(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(SIM_USAGE, {
    args,
    allowPositionals: true,
    options: {
      seed: { type: "string" },
      nodes: { type: "string" },
      blocks: { type: "string" },
      q: { type: "string" },
      z: { type: "string" },
      runs: { type: "string" },
      alpha: { type: "string" },
      gamma: { type: "string" },
      minutes: { type: "string" },
      "block-kb": { type: "string" },
      outbound: { type: "string" },
      intervals: { type: "string" },
      tx: { type: "string" },
      trace: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const [scenario, ...extra] = positionals;
  if (!scenario) throw new UsageError(`which scenario?\nusage: ${SIM_USAGE}`);
  if (extra.length > 0) throw new UsageError(`unexpected ${JSON.stringify(extra[0])}\nusage: ${SIM_USAGE}`);
  // An option the scenario does not read is refused, not ignored (`double-spend --trace F`
  // said "trace written" and wrote nothing).
  const uses = SCENARIO_OPTIONS[scenario];
  if (uses) {
    const unused = Object.keys(values).filter((k) => k !== "seed" && k !== "json" && !uses.includes(k));
    if (unused.length > 0) {
      throw new UsageError(
        `sim ${scenario} does not take --${unused[0]}; it takes ${["seed", "json", ...uses].map((k) => `--${k}`).join(", ")}\nusage: ${SIM_USAGE}`,
      );
    }
  }
  const seed = intOption(values.seed, "seed", 0, 2 ** 31) ?? 1;
  const nodes = (d: number) => intOption(values.nodes, "nodes", 2, 20_000) ?? d;
  const blocks = (d: number) => intOption(values.blocks, "blocks", 1, 1_000_000) ?? d;
  const trace = values.trace;
  // the trace file is opened before the run: a folder that is not there is said at once, in one line
  if (trace !== undefined) {
    try {
      closeSync(openSync(trace, "w"));
    } catch (e) {
      throw new UsageError(
        `--trace ${trace}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a file in a folder that exists`,
      );
    }
  }
  const bar = progressBar(scenario);
  let result: ScenarioResult;
  try {
    switch (scenario) {
      case "forks": {
        const intervals = (values.intervals ?? "600,60,15,5").split(",").map((s) => {
          const x = Number(s);
          if (!Number.isFinite(x) || x < 1 || x > 86_400)
            throw new UsageError(`--intervals takes seconds from 1 to 86400, got ${JSON.stringify(s)}`);
          return x;
        });
        const kb = intOption(values["block-kb"], "block-kb", 0, 4_000) ?? 1_000;
        result = await forksScenario({
          seed,
          nodes: nodes(100),
          blocks: blocks(60),
          intervals,
          blockBytes: kb * 1000,
          traceFile: trace,
          progress: bar.tick,
        });
        break;
      }
      case "double-spend":
        result = await doubleSpendScenario({
          q: fraction(values.q, "q", 0.01, 0.49) ?? 0.3,
          z: intOption(values.z, "z", 0, 30) ?? 6,
          runs: intOption(values.runs, "runs", 1, 100_000) ?? 400,
          seed,
          progress: bar.tick,
        });
        break;
      case "selfish":
        result = await selfishScenario({
          alpha: fraction(values.alpha, "alpha", 0.01, 0.49) ?? 0.35,
          gamma: fraction(values.gamma, "gamma", 0, 1) ?? 0.5,
          blocks: blocks(1000),
          seed,
          traceFile: trace,
          progress: bar.tick,
        });
        break;
      case "partition":
        result = await partitionScenario({
          seed,
          nodes: nodes(150),
          blocks: blocks(30),
          minutes: intOption(values.minutes, "minutes", 1, 10_000) ?? 120,
          traceFile: trace,
          progress: bar.tick,
        });
        break;
      case "scale":
        result = await scaleScenario({
          seed,
          nodes: nodes(1000),
          blocks: blocks(1000),
          txPerBlock: fraction(values.tx, "tx", 0, 100) ?? 1,
          outbound: intOption(values.outbound, "outbound", 1, 125) ?? 8,
          traceFile: trace,
          progress: bar.tick,
        });
        break;
      case "soak":
        result = await soakScenario({ seed, runs: intOption(values.runs, "runs", 1, 1_000_000) ?? 200, progress: bar.tick });
        break;
      default:
        throw new UsageError(`unknown scenario ${JSON.stringify(scenario)}\nusage: ${SIM_USAGE}`);
    }
  } finally {
    bar.end();
  }
  if (values.json) console.log(JSON.stringify(result.json, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
  else console.log(renderResult(result));
  if (trace) console.error(`trace written to ${trace}`);
  // a broken invariant is a failure like any other (1); 2 is kept for usage errors alone
  return result.ok ? 0 : 1;
}
