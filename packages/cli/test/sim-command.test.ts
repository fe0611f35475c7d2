import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { needsRespawn, SIM_V8_FLAGS } from "../src/respawn.js";

describe("utxolab sim", () => {
  it("--json gives the numbers, and the same --seed replays the same traces", async () => {
    const a = await runCli(["sim", "double-spend", "--q", "0.3", "--z", "1", "--runs", "2", "--seed", "9", "--json"]);
    const b = await runCli(["sim", "double-spend", "--q", "0.3", "--z", "1", "--runs", "2", "--seed", "9", "--json"]);
    const ja = JSON.parse(a.stdout);
    expect(ja.scenario).toBe("double-spend");
    expect(ja.rosenfeld).toBeCloseTo(0.6, 9);
    expect(JSON.parse(b.stdout).traceHashes).toEqual(ja.traceHashes);
  }, 180_000);

  it("prints the explanation and table, and writes a replayable trace: nodes, blocks and arrivals, the end", async () => {
    const dir = mkdtempSync(join(tmpdir(), "utxolab-sim-"));
    try {
      const file = join(dir, "trace.jsonl");
      const r = await runCli(["sim", "partition", "--nodes", "12", "--blocks", "6", "--minutes", "30", "--trace", file]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Partition: 12 nodes, the Americas cut off from the rest for 30 minutes");
      expect(r.stdout).toMatch(/side\s+nodes\s+height at split\s+blocks while split/);
      expect(r.stdout).toContain("Invariants held");
      const lines = readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines[0].e).toBe("nodes");
      expect(lines[0].nodes).toHaveLength(12);
      expect(lines.some((l) => l.e === "block")).toBe(true);
      expect(lines.some((l) => l.e === "partition")).toBe(true);
      expect(lines.at(-1)).toMatchObject({ e: "end", ok: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("refuses unknown scenarios and out-of-range options with the usage", async () => {
    const u = await runCli(["sim", "nonsense"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('unknown scenario "nonsense"');
    const q = await runCli(["sim", "double-spend", "--q", "0.7"]);
    expect(q.code).toBe(2);
    expect(q.stderr).toContain("--q must be a number from 0.01 to 0.49");
    // an option the scenario does not read is refused (a --trace here said "written" and wrote nothing)
    const unused = await runCli(["sim", "double-spend", "--runs", "1", "--trace", "/tmp/never.jsonl"]);
    expect(unused.code).toBe(2);
    expect(unused.stderr).toContain("sim double-spend does not take --trace");
    // a trace into a folder that is not there: one line, before the run (it was an unhandled 'error' event)
    const nowhere = await runCli(["sim", "forks", "--nodes", "3", "--blocks", "1", "--trace", "/nonexistent-utxolab/t.jsonl"]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain("--trace /nonexistent-utxolab/t.jsonl: cannot write it (ENOENT)");
    expect(nowhere.stderr).not.toContain("Unhandled");
    // -h answers with the usage
    const help = await runCli(["sim", "-h"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: utxolab sim");
  }, 180_000);
});

describe("the simulator's V8 flags", () => {
  it("asks for a child with a bigger young generation unless this process has it or is that child", () => {
    expect(SIM_V8_FLAGS).toContain("--max-semi-space-size=64");
    expect(needsRespawn(SIM_V8_FLAGS, {})).toBe(!process.execArgv.some((a) => a.startsWith("--max-semi-space-size")));
    expect(needsRespawn(SIM_V8_FLAGS, { UTXOLAB_NO_RESPAWN: "1" })).toBe(false);
    expect(needsRespawn([], {})).toBe(false);
  });
});
