import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../../../test/helpers/node-process.js";
import { until } from "../../../test/helpers/until.js";

const dir = mkdtempSync(join(tmpdir(), "utxolab-devnet-int-"));
const pids: number[] = [];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(() => {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("utxolab devnet", () => {
  it("Ctrl-C while the nodes are still starting stops the ones already running, cleanly", async () => {
    const proc = spawn(
      process.execPath,
      [
        CLI,
        "devnet",
        "--dir",
        dir,
        "--nodes",
        "3",
        "--no-mining",
        "--quiet",
        "--base-port",
        String(30000 + Math.floor(Math.random() * 20000)),
      ],
      {
        stdio: "ignore",
      },
    );
    const exit = new Promise<number | null>((r) => proc.on("exit", r));
    const nodeJson = join(dir, "node0", "node.json");
    await until("node0 to be listening", () => existsSync(nodeJson) || proc.exitCode !== null, 60_000);
    const pid = JSON.parse(readFileSync(nodeJson, "utf8")).pid as number;
    pids.push(pid);
    proc.kill("SIGINT");
    await exit;
    await until("node0 to stop", () => !alive(pid), 20_000);
    // a clean stop removes the cookie; an orphan killed later by a broken stdout pipe leaves it
    expect(existsSync(join(dir, "node0", "rpc.cookie"))).toBe(false);
  });
});
