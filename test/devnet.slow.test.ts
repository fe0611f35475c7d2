import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { address, CLI, until } from "@utxolab/testkit";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "utxolab-devnet-"));
const running: ChildProcess[] = [];

afterAll(() => {
  for (const p of running) if (p.exitCode === null) p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `utxolab devnet` and resolves once it printed its tables. */
function startDevnet(args: string[]): Promise<{ proc: ChildProcess; out: () => string; exit: Promise<number | null> }> {
  const proc = spawn(
    process.execPath,
    [CLI, "devnet", "--dir", dir, "--base-port", String(30000 + Math.floor(Math.random() * 20000)), ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.push(proc);
  let text = "";
  proc.stdout?.on("data", (d) => (text += d));
  proc.stderr?.on("data", (d) => (text += d));
  const exit = new Promise<number | null>((r) => proc.on("exit", r));
  return until("the devnet to be ready", () => text.includes("Ctrl-C stops every node"), 60_000).then(() => ({
    proc,
    out: () => text,
    exit,
  }));
}

async function rpc(nodeDir: string, url: string, method: string, ...params: unknown[]) {
  const token = readFileSync(join(nodeDir, "rpc.cookie"), "utf8");
  const res = await fetch(`${url}/rpc`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

const nodeUrls = (out: string) =>
  [...out.matchAll(/node(\d+) {2}rpc (http:\/\/\S+) {2}p2p (ws:\/\/\S+)/g)].map((m) => ({ i: Number(m[1]), rpc: m[2], p2p: m[3] }));

describe("utxolab devnet", () => {
  it("starts connected nodes, prints accounts and nodes, stops cleanly, and resumes the same chain", async () => {
    const a = await startDevnet(["--nodes", "3", "--no-mining", "--quiet"]);
    const urls = nodeUrls(a.out());
    expect(urls).toHaveLength(3);
    expect(a.out()).toContain(address(0));
    expect(a.out()).toMatch(/ 0 {2}lab1\S+ +1000 coins/);
    expect(a.out()).toContain(`web page: ${urls[0].rpc}/`);
    const n0 = join(dir, "node0");
    await until("node0 to see both peers", async () => (await rpc(n0, urls[0].rpc, "getpeerinfo")).length === 2);
    const [hash] = await rpc(n0, urls[0].rpc, "generatetoaddress", 1, address(9));
    await until("node2 to follow", async () => (await rpc(join(dir, "node2"), urls[2].rpc, "getblockchaininfo")).bestBlockHash === hash);
    a.proc.kill("SIGTERM");
    expect(await a.exit).toBe(0);
    expect(a.out()).toContain("devnet stopped");

    const b = await startDevnet(["--nodes", "3", "--no-mining", "--quiet"]);
    const urlsB = nodeUrls(b.out());
    expect((await rpc(n0, urlsB[0].rpc, "getblockchaininfo")).bestBlockHash).toBe(hash);
    expect(b.out()).toContain("devnet ready: height 1");
    b.proc.kill("SIGTERM");
    expect(await b.exit).toBe(0);

    const c = await startDevnet(["--nodes", "2", "--reset", "--no-mining", "--quiet"]);
    expect(c.out()).toContain("devnet ready: height 0");
    c.proc.kill("SIGTERM");
    expect(await c.exit).toBe(0);
  }, 120_000);

  it("mines as soon as a transaction arrives with --automine (the default)", async () => {
    const d = await startDevnet(["--nodes", "1", "--reset", "--quiet"]);
    const [u] = nodeUrls(d.out());
    expect(d.out()).toContain("--automine");
    const n0 = join(dir, "node0");
    const { pay, genesisCoin, GENESIS_VALUE } = await import("@utxolab/testkit");
    const p = pay(
      [genesisCoin(0)],
      [
        [1, 100_000_000n],
        [0, GENESIS_VALUE - 100_000_000n - 500n],
      ],
    );
    await rpc(n0, u.rpc, "sendrawtransaction", p.hex);
    await until("the payment to be mined", async () => (await rpc(n0, u.rpc, "gettxout", p.txid, 0))?.confirmations === 1);
    d.proc.kill("SIGTERM");
    expect(await d.exit).toBe(0);
  }, 60_000);

  it("refuses contradictory options", async () => {
    const { runCli } = await import("@utxolab/testkit");
    const r = await runCli(["devnet", "--automine", "--no-mining", "--dir", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("choose one of");
  });
});
