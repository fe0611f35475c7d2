import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, until } from "@utxolab/testkit";
import { afterAll, describe, expect, it } from "vitest";

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

  it("refuses a taken base port, naming the port and --base-port, and moves nowhere (flags after `--` as npm users type them)", async () => {
    // hold an ephemeral port, then ask for a devnet whose node0 RPC port is that one
    const held: Server = createServer();
    await new Promise<void>((r) => held.listen(0, "127.0.0.1", r));
    const port = (held.address() as { port: number }).port;
    try {
      const proc = spawn(
        process.execPath,
        [CLI, "devnet", "--", "--dir", join(dir, "taken"), "--nodes", "1", "--base-port", String(port)],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      proc.stdout.on("data", (d) => (out += d));
      proc.stderr.on("data", (d) => (out += d));
      const code = await new Promise<number | null>((r) => proc.on("exit", r));
      expect(code).toBe(1);
      expect(out).toContain(`port ${port} (node0 RPC and web page)`);
      expect(out).toContain("--base-port N");
      expect(out).not.toContain("devnet ready");
      expect(existsSync(join(dir, "taken", "node0"))).toBe(false);
    } finally {
      await new Promise((r) => held.close(r));
    }
  });

  it("--reset refuses to delete a directory where a node still runs, and deletes nothing", async () => {
    const live = join(dir, "live");
    mkdirSync(join(live, "node0"), { recursive: true });
    // a node.json naming a process that is alive (this test's own)
    writeFileSync(join(live, "node0", "node.json"), JSON.stringify({ pid: process.pid }));
    writeFileSync(join(live, "node0", "keep"), "data");
    const proc = spawn(
      process.execPath,
      [CLI, "devnet", "--dir", live, "--reset", "--nodes", "1", "--base-port", String(20000 + Math.floor(Math.random() * 9000))],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((r) => proc.on("exit", r));
    expect(code).not.toBe(0);
    expect(out).toContain("--reset would delete");
    expect(out).toContain(`node0 (pid ${process.pid}) still runs there`);
    expect(existsSync(join(live, "node0", "keep"))).toBe(true);
  });
});
