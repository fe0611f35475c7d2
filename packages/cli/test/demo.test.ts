import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { address, NodeProcess, runCli, until } from "@utxolab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TOKEN = `demo-test-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "utxolab-demo-"));
let n0: NodeProcess;
let n1: NodeProcess;

/** Runs a demo against node0 by URL and token, as a workshop leader would with --rpc. */
const demo = (name: string) => runCli(["demo", name, "--pace", "0", "--rpc", n0.rpcUrl, "--rpc-token", TOKEN]);
/** Runs a demo against one node's datadir (its node.json), as with `utxolab node --datadir DIR`. */
const demoInDatadir = (name: string) => runCli(["demo", name, "--pace", "0", "--datadir", join(dir, "node0"), "--rpc-token", TOKEN]);
/** Runs a demo against the devnet-like dir (node0/node.json, node1/node.json written by the nodes). */
const demoInDir = (name: string) => runCli(["demo", name, "--pace", "0", "--dir", dir, "--rpc-token", TOKEN]);

const VERIFIED = /node0: height \d+, supply [\d.]+ coins \(at most [\d.]+ coins by now\), \d+ UTXOs, negative: 0, ok/;
const acceptedTxids = (out: string) => [...out.matchAll(/accepted, txid ([0-9a-f]{64})/g)].map((m) => m[1]);

beforeAll(async () => {
  for (const n of ["node0", "node1"]) mkdirSync(join(dir, n));
  n0 = await NodeProcess.start({ datadir: join(dir, "node0"), token: TOKEN });
  n1 = await NodeProcess.start({ datadir: join(dir, "node1"), token: TOKEN, args: ["--peer", n0.p2pUrl] });
  await until("node1 connected to node0", async () => (await n1.rpc<unknown[]>("getpeerinfo")).length === 1);
});

afterAll(async () => {
  await Promise.all([n0?.stop(), n1?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("utxolab demo against two real nodes", () => {
  it("lists the demos, and refuses an unknown one or a missing devnet with what to do", async () => {
    const list = await runCli(["demo", "list"]);
    expect(list.code).toBe(0);
    for (const name of ["overspend", "double-spend", "negative-amount", "overflow", "immature-coinbase", "reorg-race", "leverage"]) {
      expect(list.stdout).toContain(`  ${name} `);
    }
    const unknown = await runCli(["demo", "steal-coins", "--dir", dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no demo "steal-coins"; the demos are: overspend, double-spend');
    const empty = mkdtempSync(join(tmpdir(), "utxolab-demo-empty-"));
    const none = await runCli(["demo", "overspend", "--dir", empty]);
    rmSync(empty, { recursive: true, force: true });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no devnet in");
    expect(none.stderr).toContain("utxolab devnet");
    // with nothing on the command line, $UTXOLAB_DATADIR names node0, as for `utxolab rpc` and the wallet
    const viaEnv = await runCli(["demo", "negative-amount", "--pace", "0", "--rpc-token", TOKEN], {
      env: { UTXOLAB_DATADIR: join(dir, "node0") },
    });
    expect(viaEnv.code, viaEnv.stdout + viaEnv.stderr).toBe(0);
    expect(viaEnv.stdout).toContain(`node0 at ${n0.rpcUrl}`);
    const envEmpty = mkdtempSync(join(tmpdir(), "utxolab-demo-env-"));
    const noNode = await runCli(["demo", "overspend"], { env: { UTXOLAB_DATADIR: envEmpty } });
    rmSync(envEmpty, { recursive: true, force: true });
    expect(noNode.code).toBe(1);
    expect(noNode.stderr).toContain("(from $UTXOLAB_DATADIR): is a node running there?");
    const noToken = await runCli(["demo", "overspend", "--rpc", n0.rpcUrl]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("--rpc needs the node's token");
    const badToken = await runCli(["demo", "overspend", "--rpc", n0.rpcUrl, "--rpc-token", "wrong"]);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain("the node refused the token");
  });

  it("paces a demo: --step waits for Enter before each step, and the node shows each step to its pages", async () => {
    const started = Date.now();
    const r = await runCli(["demo", "negative-amount", "--step", "--rpc", n0.rpcUrl, "--rpc-token", TOKEN], { input: "\n\n\n\n\n" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/press Enter for the next step/g)).toHaveLength(5);
    for (let i = 1; i <= 5; i++) expect(n0.output.join("\n")).toContain(`demo negative-amount: step ${i}/5: `);
    expect(n0.output.join("\n")).toContain("demo negative-amount: finished");
    expect(Date.now() - started).toBeLessThan(30_000);
    // a slow pace really waits: 5 steps of 300 ms
    const t = Date.now();
    const paced = await runCli(["demo", "negative-amount", "--pace", "300", "--rpc", n0.rpcUrl, "--rpc-token", TOKEN]);
    expect(paced.code, paced.stdout + paced.stderr).toBe(0);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1500);
    for (const bad of [
      ["--pace", "abc"],
      ["--pace", "99999999"],
      ["--pace", "100", "--step"],
    ]) {
      const u = await runCli(["demo", "negative-amount", ...bad, "--rpc", n0.rpcUrl, "--rpc-token", TOKEN]);
      expect(u.code).toBe(2);
      expect(u.stderr).toMatch(/--pace|--step/);
    }
  });

  it("overspend: refused with the sums, then the exact balance minus the fee enters the pool", async () => {
    const r = await demo("overspend");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const m = /the node answers: bad-txns-in-belowout: in (\d+) < out (\d+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(BigInt(m![2]) - BigInt(m![1])).toBe(100_000_000n);
    const [paid] = acceptedTxids(r.stdout);
    expect(await n0.rpc<string[]>("getrawmempool")).toEqual([paid]);
    const entry = await n0.rpc("getrawtransaction", paid, true);
    const outs = entry.outputs.reduce((s: bigint, o: { value: string }) => s + BigInt(o.value), 0n);
    expect(outs + BigInt(entry.fee)).toBe(BigInt(m![1]));
    expect(r.stdout).toMatch(VERIFIED);
    expect(r.stdout).toContain("The ledger behaved as the rules say. (exit 0)");
  });

  it("double-spend: txn-mempool-conflict while the first waits, missing-or-spent once it is mined", async () => {
    const before = (await n0.rpc("getblockchaininfo")).height;
    const r = await demo("double-spend");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/payment to account \d: the node answers: txn-mempool-conflict: input 0 spends [0-9a-f]{64}:\d+/);
    expect(r.stdout).toMatch(/the node answers: bad-txns-inputs-missingorspent: input 0 spends [0-9a-f]{64}:\d+/);
    const [first] = acceptedTxids(r.stdout);
    expect((await n0.rpc("getrawtransaction", first, true)).confirmations).toBeGreaterThan(0);
    expect((await n0.rpc("getblockchaininfo")).height).toBe(before + 1);
    expect(r.stdout).toMatch(VERIFIED);
  });

  it("negative-amount: refused by amount parsing, and as bytes a huge u64 refused with bad-txns-vout-toolarge", async () => {
    const r = await demoInDatadir("negative-amount");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('amount: "-5" is negative; you cannot send less than nothing');
    expect(r.stdout).toContain("00 9b 32 e2 ff ff ff ff");
    expect(r.stdout).toContain(
      "the node answers: bad-txns-vout-toolarge: output 0 value 18446744073209551616 > MAX_MONEY 2100000000000000",
    );
    expect(acceptedTxids(r.stdout)).toEqual([]);
    expect(r.stdout).toMatch(VERIFIED);
  });

  it("overflow: outputs under MAX_MONEY each but over it in total, including a set that wraps 2^64 to 1 coin", async () => {
    const pool = await n0.rpc<string[]>("getrawmempool");
    const r = await demo("overflow");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "the node answers: bad-txns-txouttotal-toolarge: outputs total 3000000000000000 > MAX_MONEY 2100000000000000",
    );
    expect(r.stdout).toContain("it wraps around to 100000000 units: 1 coin.");
    expect(r.stdout).toContain(
      "the node answers: bad-txns-txouttotal-toolarge: outputs total 18446744073809551616 > MAX_MONEY 2100000000000000",
    );
    expect(await n0.rpc<string[]>("getrawmempool")).toEqual(pool);
    expect(r.stdout).toMatch(VERIFIED);
  });

  it("immature-coinbase: refused with the heights until the reward is 10 blocks deep, then accepted", async () => {
    const r = await demo("immature-coinbase");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const refusals = [
      ...r.stdout.matchAll(
        /bad-txns-premature-spend-of-coinbase: input 0 spends a coinbase output from height (\d+), spendable from height (\d+), not (\d+)/g,
      ),
    ].map((m) => m.slice(1).map(Number));
    expect(refusals).toHaveLength(2);
    const [c] = refusals[0];
    expect(refusals).toEqual([
      [c, c + 10, c + 1],
      [c, c + 10, c + 9],
    ]);
    const [spend] = acceptedTxids(r.stdout);
    const tx = await n0.rpc("getrawtransaction", spend, true);
    const cb = await n0.rpc("getblock", await n0.rpc("getblockhash", c), true);
    expect(tx.inputs[0].prevTxid).toBe(cb.txids[0]);
    expect((await n0.rpc("getblockchaininfo")).height).toBe(c + 9);
    expect(r.stdout).toMatch(VERIFIED);
  });

  it("reorg-race: the heavier side's payment wins on both nodes, the other is gone, both ledgers verify", async () => {
    const r = await demoInDir("reorg-race");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // node0 held both branches at once before the heavier one won: the moment the page shows
    expect(r.stdout).toMatch(/node0 now holds [1-9][0-9]* block\(s\) of node1's branch beside its own/);
    const [onNode0, onNode1] = acceptedTxids(r.stdout);
    expect(r.stdout).toContain("node1's side had more work, and its blocks are now the best chain on both nodes.");
    expect(r.stdout).toMatch(/node1: height \d+, supply [\d.]+ coins .*negative: 0, ok/);
    const t0 = (await n0.rpc("getblockchaininfo")).bestBlockHash;
    expect((await n1.rpc("getblockchaininfo")).bestBlockHash).toBe(t0);
    for (const n of [n0, n1]) {
      expect((await n.rpcError("getrawtransaction", onNode0)).code).toBe(-5);
      expect((await n.rpc("getrawtransaction", onNode1, true)).confirmations).toBeGreaterThan(0);
      expect(await n.rpc("verifyledger")).toMatchObject({ ok: true, negative: 0 });
    }
    // the demo leaves the two nodes connected again
    await until("node1 reconnected", async () => (await n1.rpc<unknown[]>("getpeerinfo")).length > 0);
  });

  it("leverage: the loan goes underwater off the ledger; liquidation pays the collateral to the lender", async () => {
    const r = await demo("leverage");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("trader's equity -$100.00");
    expect(r.stdout).toContain("The position is UNDERWATER");
    expect(r.stdout).toContain('"status": "liquidated"');
    const [setAside, liquidation] = acceptedTxids(r.stdout);
    const tx = await n0.rpc("getrawtransaction", liquidation, true);
    expect(tx.confirmations).toBeGreaterThan(0);
    expect(tx.inputs).toEqual([expect.objectContaining({ prevTxid: setAside, vout: 0, value: "1000000000" })]);
    expect(tx.outputs).toEqual([expect.objectContaining({ address: address(4) })]);
    const balances = r.stdout.match(/account \d +[\d.]+ coins? confirmed/g) ?? [];
    expect(balances.length).toBeGreaterThan(10);
    expect(r.stdout).not.toMatch(/-[\d.]+ coins/);
    expect(r.stdout).toMatch(VERIFIED);
  });
});

/** A stand-in for a node that accepts whatever it is sent: a broken ledger. */
function brokenNode(): Promise<{ server: Server; url: string }> {
  const coin = { txid: "11".repeat(32), vout: 0, value: "100000000000", height: 0, coinbase: false, mature: true };
  const answers: Record<string, unknown> = {
    getblockchaininfo: { network: "devnet", height: 0, bestBlockHash: "22".repeat(32), chainWork: "2", mempoolSize: 0 },
    getaddressinfo: { balance: "100000000000", spendable: "100000000000", immature: "0", pending: "0", utxos: [coin] },
    sendrawtransaction: "33".repeat(32),
    verifyledger: { height: 0, utxos: 10, supply: "1000000000000", expectedMaxSupply: "1000000000000", negative: 0, ok: true },
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const call = JSON.parse(body);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, result: answers[call.method] ?? null }));
    });
  });
  return new Promise((r) =>
    server.listen(0, "127.0.0.1", () => {
      const a = server.address() as { port: number };
      r({ server, url: `http://127.0.0.1:${a.port}` });
    }),
  );
}

describe("utxolab demo against a ledger that misbehaves", () => {
  it("exits non-zero and says which expectation failed", async () => {
    const { server, url } = await brokenNode();
    try {
      const r = await runCli(["demo", "overspend", "--pace", "0", "--rpc", url, "--rpc-token", "any"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("the node answers: accepted, txid 3333");
      expect(r.stdout).toContain("✗ NOT AS EXPECTED: refused with bad-txns-in-belowout");
      expect(r.stdout).toContain("The ledger did not behave as this demo expects in 1 place(s):");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
