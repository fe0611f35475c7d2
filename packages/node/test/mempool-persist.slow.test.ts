import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { accounts, coin, genesisCoin, NodeProcess, pay, tempDirs } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import type { Transaction } from "../../core/src/index.js";
import { UtxoNode } from "../src/index.js";
import { decodeMempoolFile, encodeMempoolFile, loadMempoolFile } from "../src/mempool-file.js";

const tempDir = tempDirs("utxolab-pool-");

/** A chain of payments from devnet account i: each spends the previous one's change. */
function payments(i: number, n: number): { tx: Transaction; hex: string; txid: string }[] {
  const out: { tx: Transaction; hex: string; txid: string }[] = [];
  let held = genesisCoin(i);
  for (let k = 0; k < n; k++) {
    const change = held.coin.value - 1_000_000n - 1000n;
    const p = pay(
      [held],
      [
        [(i + 1) % 8, 1_000_000n],
        [i, change],
      ],
    );
    out.push(p);
    held = coin(p.txid, 1, change, i);
  }
  return out;
}

describe("the pool file (mempool.dat)", () => {
  it("round-trips transactions and times, and refuses a file cut short, altered or foreign", () => {
    const txs = [0, 1, 2].map((k) => ({ tx: pay([genesisCoin(k)], [[1, 5n]]).tx, time: 1_700_000_000 + k }));
    const bytes = encodeMempoolFile(txs);
    const back = decodeMempoolFile(bytes);
    expect(back.map((b) => b.time)).toEqual(txs.map((t) => t.time));
    expect(back.map((b) => b.tx)).toEqual(txs.map((t) => t.tx));
    expect(() => decodeMempoolFile(bytes.subarray(0, bytes.length - 5))).toThrow(/checksum does not match/);
    const flipped = bytes.slice();
    flipped[40] ^= 1;
    expect(() => decodeMempoolFile(flipped)).toThrow(/checksum does not match/);
    expect(() => decodeMempoolFile(new TextEncoder().encode("x".repeat(100)))).toThrow(/magic/);
  });

  it("a damaged file is moved aside, never half-loaded; a file over the size bound is not read", async () => {
    const dir = tempDir();
    const path = join(dir, "mempool.dat");
    writeFileSync(path, "garbage");
    const r = await loadMempoolFile(path, 1000);
    expect(r).toMatchObject({ kind: "damaged" });
    expect(readdirSync(dir).some((f) => f.startsWith("mempool.dat.damaged-"))).toBe(true);
    writeFileSync(path, Buffer.alloc(2000));
    expect(await loadMempoolFile(path, 1000)).toMatchObject({ kind: "damaged", why: /more than the 1000/ });
    expect(await loadMempoolFile(path, 1000)).toEqual({ kind: "missing" });
  });
});

describe("the pool across restarts", () => {
  const base = { rpcPort: 0, p2pPort: 0, rpcToken: "t", web: false } as const;

  it("is saved on a clean stop and checked again at start: confirmed and invalid ones are not reloaded", async () => {
    const datadir = tempDir();
    const lines: string[] = [];
    const a = await UtxoNode.start({ ...base, datadir, log: (l) => lines.push(l) });
    const chain0 = payments(0, 3);
    const chain1 = payments(1, 2);
    for (const p of [...chain0, ...chain1]) expect(a.submitTx(p.tx, "test").ok).toBe(true);
    expect(a.mempool.size).toBe(5);
    await a.stop();
    expect(readFileSync(join(datadir, "mempool.dat")).length).toBeGreaterThan(100);

    const b = await UtxoNode.start({ ...base, datadir, log: (l) => lines.push(l) });
    expect(new Set(b.mempool.entries().map((e) => e.txid))).toEqual(new Set([...chain0, ...chain1].map((p) => p.txid)));
    expect(lines.join("\n")).toMatch(/pool: 5 of 5 transactions from .*mempool\.dat accepted again/);
    // confirm them, then put a stale file back: nothing of it may come back
    const stale = readFileSync(join(datadir, "mempool.dat"));
    await b.miner.generate(1, accounts[9].pubkey);
    expect(b.mempool.size).toBe(0);
    await b.stop();
    writeFileSync(join(datadir, "mempool.dat"), stale);
    const c = await UtxoNode.start({ ...base, datadir, log: (l) => lines.push(l) });
    expect(c.mempool.size).toBe(0);
    expect(lines.join("\n")).toMatch(/pool: 0 of 5 transactions .* accepted again \(the others are confirmed/);
    await c.stop();
  });

  it("a damaged mempool.dat is logged and moved aside, and the node starts", async () => {
    const datadir = tempDir();
    writeFileSync(join(datadir, "mempool.dat"), "UTXOLAB-MEMPOOL\nnot really");
    const lines: string[] = [];
    const n = await UtxoNode.start({ ...base, datadir, log: (l) => lines.push(l) });
    expect(lines.join("\n")).toMatch(
      /mempool\.dat is damaged \(.*\); moved it to .*mempool\.dat\.damaged-.* and starting with an empty pool/,
    );
    expect(n.mempool.size).toBe(0);
    expect(readdirSync(datadir).some((f) => f.startsWith("mempool.dat.damaged-"))).toBe(true);
    await n.stop();
  });

  it("survives SIGKILL: transactions accepted at least one save interval before the kill are back after a restart", async () => {
    const datadir = tempDir();
    const interval = 300;
    const a = await NodeProcess.start({ datadir, memory: false, args: ["--mempool-save-interval", String(interval)] });
    const sent = [...payments(2, 4), ...payments(3, 3)];
    for (const p of sent) expect(await a.rpc("sendrawtransaction", p.hex)).toBe(p.txid);
    // the documented window: what was accepted one interval (plus the write) before the kill is on disk
    await new Promise((r) => setTimeout(r, 3 * interval));
    expect(await a.kill("SIGKILL")).toBe(null);
    const b = await NodeProcess.start({ datadir, memory: false });
    const pool = await b.rpc<string[]>("getrawmempool");
    expect(new Set(pool)).toEqual(new Set(sent.map((p) => p.txid)));
    // and a clean stop right after accepting keeps the newest too
    const more = payments(4, 2);
    for (const p of more) await b.rpc("sendrawtransaction", p.hex);
    expect(await b.kill("SIGTERM")).toBe(0);
    const c = await NodeProcess.start({ datadir, memory: false });
    expect(new Set(await c.rpc<string[]>("getrawmempool"))).toEqual(new Set([...sent, ...more].map((p) => p.txid)));
    await c.stop();
  });
});
