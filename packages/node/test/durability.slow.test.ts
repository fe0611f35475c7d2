import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { address, coin, genesisCoin, NodeProcess, pay, runCli, tempDirs } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import type { Hash, UtxoEntry } from "../../core/src/index.js";

const tempDir = tempDirs("utxolab-durable-");

/** Deterministic pseudo-random delays, so a failure can be replayed. */
function lcg(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

describe("durability", () => {
  it("restarts on a consistent, reported tip after SIGKILL at random moments while mining and accepting transactions", async () => {
    const datadir = tempDir();
    const rand = lcg(7);
    const reported: { hash: string; height: number }[] = [];
    // each devnet account's coin chain: spend, then spend the change, across restarts
    const coins = new Map<number, UtxoEntry>();
    for (let i = 0; i < 8; i++) coins.set(i, genesisCoin(i));

    for (let round = 0; round < 8; round++) {
      const node = await NodeProcess.start({ datadir, memory: false });
      const ledger = await node.rpc("verifyledger");
      expect(ledger.ok, JSON.stringify(ledger)).toBe(true);
      expect(ledger.negative).toBe(0);
      const info = await node.rpc("getblockchaininfo");
      // every block reported connected before a kill is still on the best chain
      for (const r of reported) {
        expect(await node.rpc("getblockhash", r.height), `round ${round}: block ${r.height}`).toBe(r.hash);
      }
      expect(info.height).toBeGreaterThanOrEqual(reported.at(-1)?.height ?? 0);
      // SPEC §9 as docs/storage.md states it: the last reported block, or at most one past it
      // (stored and connected, then killed before the reply); blocks are mined one per call here
      expect(info.height).toBeLessThanOrEqual((reported.at(-1)?.height ?? 0) + 1);
      // coins whose spend was lost with the pool (not persisted) or confirmed: resync from the chain
      for (const [i, c] of coins) {
        const out = await node.rpc("gettxout", c.txid, c.vout);
        if (!out) {
          const ai = await node.rpc("getaddressinfo", address(i));
          const usable = ai.utxos.filter((x: { mature: boolean; spentBy?: string }) => x.mature && !x.spentBy);
          usable.sort((x: { value: string }, y: { value: string }) => (BigInt(y.value) > BigInt(x.value) ? 1 : -1));
          const u = usable[0];
          if (u) coins.set(i, coin(u.txid, u.vout, BigInt(u.value), i));
        }
      }
      let stop = false;
      const work = (async () => {
        let k = 0;
        while (!stop) {
          try {
            const i = k++ % 8;
            const c = coins.get(i) as UtxoEntry;
            const p = pay(
              [c],
              [
                [(i + 1) % 8, 1_000_000n],
                [i, c.coin.value - 1_000_000n - 500n],
              ],
            );
            const r = await node.rpcRaw("sendrawtransaction", [p.hex]);
            if (r.body?.result) coins.set(i, coin(p.txid as Hash, 1, c.coin.value - 1_000_000n - 500n, i));
            if (k % 3 === 0) {
              const hashes = await node.rpc<string[]>("generatetoaddress", 1, address(9));
              const h = (await node.rpc("getblock", hashes[0], true)).height;
              reported.push({ hash: hashes[0], height: h });
            }
          } catch {
            return; // the node was killed mid-call
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + rand() * 600));
      await node.kill("SIGKILL");
      stop = true;
      await work;
    }
    const node = await NodeProcess.start({ datadir, memory: false });
    const final = await node.rpc("verifyledger");
    expect(final).toMatchObject({ ok: true, negative: 0 });
    expect(final.height).toBeGreaterThanOrEqual(reported.at(-1)?.height ?? 0);
    expect(reported.length).toBeGreaterThan(3);
    await node.stop();
  });

  it("stops cleanly on SIGTERM and resumes the same chain", async () => {
    const datadir = tempDir();
    const a = await NodeProcess.start({ datadir, memory: false });
    const hashes = await a.rpc<string[]>("generatetoaddress", 5, address(1));
    expect(await a.kill("SIGTERM")).toBe(0);
    expect(a.output.join("\n")).toContain("stopped cleanly");
    const b = await NodeProcess.start({ datadir, memory: false });
    const info = await b.rpc("getblockchaininfo");
    expect(info).toMatchObject({ height: 5, bestBlockHash: hashes[4] });
    await b.stop();
  });

  it("refuses a second node on the same datadir", async () => {
    const datadir = tempDir();
    const a = await NodeProcess.start({ datadir, memory: false });
    const second = await runCli(["node", "--datadir", datadir, "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", "x"]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/in use/);
    expect(second.stderr).toContain(datadir);
    expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace
    await a.stop();
  });

  it("explains a damaged datadir instead of crashing", async () => {
    const datadir = tempDir();
    const a = await NodeProcess.start({ datadir, memory: false });
    await a.rpc("generatetoaddress", 2, address(1));
    await a.stop();
    const chainDir = join(datadir, "chain");
    for (const f of readdirSync(chainDir)) {
      if (f.endsWith(".ldb") || f.endsWith(".log") || f.startsWith("MANIFEST")) writeFileSync(join(chainDir, f), "garbage, not leveldb");
    }
    const r = await runCli(["node", "--datadir", datadir, "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", "x"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(chainDir);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses a datadir that is a file with the documented message", async () => {
    const file = join(tempDir(), "file");
    writeFileSync(file, "x");
    const r = await runCli(["node", "--datadir", file, "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: cannot create datadir ${file} (it is a file, not a directory); pass a writable directory with --datadir`,
    );
  });

  it("refuses a chain without CURRENT, deleting nothing; --repair then --reindex bring the chain back", async () => {
    const datadir = tempDir();
    const a = await NodeProcess.start({ datadir, memory: false });
    const hashes = await a.rpc<string[]>("generatetoaddress", 6, address(1));
    await a.stop();
    const chainDir = join(datadir, "chain");
    rmSync(join(chainDir, "CURRENT"));
    const files = readdirSync(chainDir).sort();
    const r = await runCli(["node", "--datadir", datadir, "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${chainDir} holds LevelDB data`);
    expect(r.stderr).toContain("nothing was changed");
    expect(readdirSync(chainDir).sort()).toEqual(files);
    const b = await NodeProcess.start({ datadir, memory: false, args: ["--repair"] });
    expect(b.output.join("\n")).toMatch(/repaired .*chain \(a copy of it before the repair is at /);
    expect(await b.rpc("getblockchaininfo")).toMatchObject({ height: 6, bestBlockHash: hashes[5] });
    await b.stop();
    const c = await NodeProcess.start({ datadir, memory: false, args: ["--reindex"] });
    expect(c.output.join("\n")).toMatch(/reindex: 7 stored blocks indexed \(up to height 6\)/);
    expect(await c.rpc("verifyledger")).toMatchObject({ ok: true, height: 6 });
    await c.stop();
  });

  it("refuses bad command-line input with a usable message", async () => {
    const r = await runCli(["node", "--mine-to", "lab1nope", "--memory"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--mine-to: .*lab1nope/);
    const r2 = await runCli(["node", "--automine", "--memory"]);
    expect(r2.stderr).toContain("need --mine-to");
    // options that need each other are a typing mistake: the usage-error status, like an unknown option
    expect(r2.code).toBe(2);
    const r3 = await runCli(["node", "--frobnicate"]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain("usage: utxolab node");
  });
});
