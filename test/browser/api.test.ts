import { tmpdir } from "node:os";
import { join } from "node:path";
import { address, coin, GENESIS_TXID, GENESIS_VALUE, genesisCoin, NodeProcess, pay } from "@utxolab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { blockHash, bytesToHex, DEVNET, encodeBlock, subsidyAt } from "../../packages/core/src/index.js";
import { UtxoNode } from "../../packages/node/src/index.js";
import { attachWeb } from "../../packages/node/src/web/index.js";
import { ensurePageBuilt } from "./browser.js";

let node: NodeProcess;

/** Every reason of SPEC §6 and §7: the page must explain each one in plain words. */
const SPEC_REASONS = [
  "tx-decode-failed",
  "block-decode-failed",
  "bad-txns-vin-empty",
  "bad-txns-vout-empty",
  "bad-txns-oversize",
  "bad-txns-vout-toolarge",
  "bad-txns-txouttotal-toolarge",
  "bad-txns-inputs-duplicate",
  "bad-cb-length",
  "bad-txns-prevout-null",
  "bad-txns-witness-size",
  "bad-txns-inputs-missingorspent",
  "bad-txns-premature-spend-of-coinbase",
  "bad-txns-inputvalues-outofrange",
  "bad-txns-in-belowout",
  "bad-txns-nonfinal",
  "bad-txns-sig",
  "duplicate",
  "high-hash",
  "prev-blk-not-found",
  "bad-prevblk",
  "bad-diffbits",
  "time-too-old",
  "time-too-new",
  "bad-blk-length",
  "bad-txnmrklroot",
  "bad-txns-duplicate",
  "bad-cb-missing",
  "bad-cb-multiple",
  "bad-cb-height",
  "bad-cb-amount",
  "txn-already-in-mempool",
  "txn-already-known",
  "txn-mempool-conflict",
  "coinbase",
  "min-relay-fee-not-met",
  "dust",
  "tx-size",
  "version",
  "too-long-mempool-chain",
  "mempool-full",
];

async function get(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(`${node.rpcUrl}${path}`, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // the page itself is HTML
  }
  return { status: res.status, body };
}

const post = (body: string) => get("/api/tx", { method: "POST", headers: { "content-type": "application/json" }, body });

beforeAll(async () => {
  ensurePageBuilt();
  node = await NodeProcess.start();
});

afterAll(async () => {
  await node?.stop();
});

describe("the page's public API", () => {
  it("answers without a token while JSON-RPC still demands one", async () => {
    const info = await get("/api/info");
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ network: "devnet", devnet: true, height: 0, mempool: { count: 0 } });
    expect((await fetch(`${node.rpcUrl}/rpc`, { method: "POST", body: "{}" })).status).toBe(401);
  });

  it("serves the chain a page at a time, newest first, with fees as unit strings", async () => {
    await node.rpc("generatetoaddress", 30, address(9));
    const first = await get("/api/blocks?limit=5");
    expect(first.body.best.map((c: { height: number }) => c.height)).toEqual([30, 29, 28, 27, 26]);
    expect(first.body.best[0]).toMatchObject({ txCount: 1, fees: "0", active: true, status: "valid" });
    const older = await get("/api/blocks?from=3&limit=100");
    expect(older.body.best.map((c: { height: number }) => c.height)).toEqual([3, 2, 1, 0]);
    expect((await get("/api/blocks?from=99999")).body.from).toBe(30);
  });

  it("shows a payment in the pool, then in its block, with who spent each output", async () => {
    const p = pay(
      [genesisCoin(2)],
      [
        [5, 1_000_000_000n],
        [2, GENESIS_VALUE - 1_000_000_000n - 1000n],
      ],
    );
    const sent = await post(JSON.stringify({ hex: p.hex }));
    expect(sent).toEqual({ status: 200, body: { ok: true, txid: p.txid, fee: "1000", size: 191 } });
    const pool = await get("/api/mempool");
    expect(pool.body).toMatchObject({
      count: 1,
      totalFees: "1000",
      txs: [{ txid: p.txid, fee: "1000", feeRate: "5.23", parents: [], children: [] }],
    });
    // a child spending the waiting payment's output: the pool shows who waits for whom
    const child = pay([coin(p.txid, 0, 1_000_000_000n, 5)], [[6, 1_000_000_000n - 1000n]]);
    expect((await post(JSON.stringify({ hex: child.hex }))).status).toBe(200);
    const both = (await get("/api/mempool")).body.txs;
    expect(both.find((t: { txid: string }) => t.txid === p.txid)).toMatchObject({ parents: [], children: [child.txid], descendants: 2 });
    expect(both.find((t: { txid: string }) => t.txid === child.txid)).toMatchObject({ parents: [p.txid], children: [], ancestors: 2 });
    expect((await get(`/api/tx/${child.txid}`)).body.status).toMatchObject({ in: "pool", parents: [p.txid], children: [] });
    expect((await get(`/api/tx/${p.txid}`)).body.outputs[0].spent).toEqual({ txid: child.txid, in: "pool" });
    const genesis = await get(`/api/tx/${GENESIS_TXID}`);
    expect(genesis.body.outputs[2].spent).toEqual({ txid: p.txid, in: "pool" });
    expect(genesis.body.outputs[3].spent).toBeNull();
    const [hash] = await node.rpc<string[]>("generatetoaddress", 1, address(9));
    const tx = await get(`/api/tx/${p.txid}`);
    expect(tx.body).toMatchObject({
      fee: "1000",
      valueIn: GENESIS_VALUE.toString(),
      status: { in: "chain", block: hash, height: 31, confirmations: 1 },
    });
    expect(tx.body.inputs[0]).toMatchObject({ prevTxid: GENESIS_TXID, vout: 2, value: GENESIS_VALUE.toString(), address: address(2) });
    expect((await get(`/api/tx/${GENESIS_TXID}`)).body.outputs[2].spent).toEqual({ txid: p.txid, in: "chain", height: 31 });
    expect((await get(`/api/tx/${p.txid}`)).body.outputs[0].spent).toEqual({ txid: child.txid, in: "chain", height: 31 });
    const block = await get("/api/block/31");
    expect(block.body).toMatchObject({
      hash,
      fees: "2000",
      txCount: 3,
      confirmations: 1,
      txs: [{ coinbase: true }, { txid: p.txid, fee: "1000" }, { txid: child.txid, fee: "1000" }],
    });
  });

  it("reports balances as getaddressinfo does, and the ten accounts", async () => {
    const web = await get(`/api/address/${address(5)}`);
    const rpc = await node.rpc("getaddressinfo", address(5));
    for (const k of ["balance", "spendable", "immature", "pending", "spending"]) expect(web.body[k]).toBe(rpc[k]);
    expect(web.body.devnetAccount).toBe(5);
    const accounts = await get("/api/accounts");
    expect(accounts.body).toHaveLength(10);
    // account 9 mined blocks 1..31; at spend height 32 the rewards of 23..31 are immature, and 31's includes 2000 units of fees
    expect(accounts.body[9]).toMatchObject({ index: 9, address: address(9), immature: (9n * 50n * 100_000_000n + 2000n).toString() });
  });

  it("refuses a rule break with 422, its reason, numbers and plain words, and lists it", async () => {
    const over = pay([genesisCoin(6)], [[6, GENESIS_VALUE + 1n]]);
    const r = await post(JSON.stringify({ hex: over.hex }));
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ ok: false, reason: "bad-txns-in-belowout", detail: `in ${GENESIS_VALUE} < out ${GENESIS_VALUE + 1n}` });
    expect(r.body.plain).toContain("No one spends what they do not have");
    const bad = await post(JSON.stringify({ hex: "0100" }));
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe("tx-decode-failed");
    const feed = await get("/api/refusals");
    expect(feed.body[0]).toMatchObject({ kind: "tx", reason: "tx-decode-failed", source: "web" });
    expect(feed.body[1]).toMatchObject({ kind: "tx", id: over.txid, reason: "bad-txns-in-belowout", source: "web" });
    const reasons = (await get("/api/reasons")).body.map((x: { reason: string }) => x.reason);
    // beyond SPEC: the node's own storage, a block set aside by hand, and two defences against hostile peers
    expect(reasons.filter((x: string) => !SPEC_REASONS.includes(x)).sort()).toEqual([
      "bad-undo",
      "low-work",
      "manually-invalidated",
      "too-many-sigs",
    ]);
    expect(SPEC_REASONS.filter((x) => !reasons.includes(x))).toEqual([]);
  });

  it("lists a refused block with its reason and numbers", async () => {
    const info = await node.rpc("getblockchaininfo");
    const greedy = await node.blockOn(info.bestBlockHash, info.height + 1, {
      after: 0,
      claim: subsidyAt(info.height + 1, DEVNET) + 1n,
      payTo: 8,
    });
    expect(await node.rpc("submitblock", bytesToHex(encodeBlock(greedy)))).toBe("bad-cb-amount");
    const [latest] = (await get("/api/refusals")).body;
    expect(latest).toMatchObject({ kind: "block", id: blockHash(greedy.header), reason: "bad-cb-amount", source: "rpc" });
    expect(latest.detail).toContain("5000000001");
    expect(latest.plain).toContain("Miners cannot print money");
    // the newest page of the chain shows it above the tip, marked invalid
    const page = await get("/api/blocks?limit=3");
    expect(page.body.side).toMatchObject([
      { height: info.height + 1, hash: blockHash(greedy.header), status: "invalid", invalidReason: "bad-cb-amount", active: false },
    ]);
    expect((await get(`/api/blocks?from=${info.height - 1}&limit=3`)).body.side).toEqual([]);
    const block = await get(`/api/block/${blockHash(greedy.header)}`);
    expect(block.body).toMatchObject({ status: "invalid", invalidReason: "bad-cb-amount", active: false, confirmations: -1 });
    expect(block.body.invalidDetail).toBe("coinbase claims 5000000001 > subsidy 5000000000 + fees 0");
    expect(block.body.invalidPlain).toContain("Miners cannot print money");
  });

  it("answers bad input with 400/404/405 and a message, never a crash", async () => {
    const cases: [string, RequestInit | undefined, number, string][] = [
      ["/api/blocks?limit=0", undefined, 400, "limit 0 is out of range"],
      ["/api/blocks?from=-1", undefined, 400, "from must be a whole number"],
      ["/api/blocks?limit=1e3", undefined, 400, "limit must be a whole number"],
      ["/api/block/zz", undefined, 400, "height or its 64-hex-digit hash"],
      ["/api/block/99999", undefined, 404, "no block at height 99999"],
      [`/api/block/${"ab".repeat(32)}`, undefined, 404, "knows no block"],
      ["/api/tx/XYZ", undefined, 400, "64 lowercase hex digits"],
      [`/api/tx/${"00".repeat(32)}`, undefined, 404, "no transaction"],
      ["/api/address/lab1nope", undefined, 400, ""],
      ["/api/address/%E0%A4%A", undefined, 400, "not valid URL text"],
      ["/api/nothing", undefined, 404, "try /api/info"],
      ["/api/info/extra", undefined, 404, "no API"],
      ["/api/info", { method: "POST", body: "{}" }, 405, "read-only"],
      ["/api/tx", undefined, 405, "POST /api/tx"],
      ["/api/tx", { method: "POST", headers: { "content-type": "application/json" }, body: "not json" }, 400, "must be JSON"],
      ["/api/tx", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }, 400, '"hex" is missing'],
      ["/api/tx", { method: "POST", headers: { "content-type": "application/json" }, body: '{"hex":"abc"}' }, 400, "even number"],
      ["/api/tx", { method: "POST", headers: { "content-type": "application/json" }, body: '{"hex":"zz"}' }, 400, "hexadecimal digits"],
      ["/api/tx", { method: "POST", headers: { "content-type": "application/json" }, body: "null" }, 400, '"hex" is missing'],
      ["/api/tx", { method: "POST", body: '{"hex":"00"}' }, 415, "Content-Type application/json"],
    ];
    for (const [path, init, status, text] of cases) {
      const r = await get(path, init);
      expect({ path, status: r.status }).toEqual({ path, status });
      expect(typeof r.body.error).toBe("string");
      expect(r.body.error).toContain(text);
    }
    expect((await get("/api/info")).status).toBe(200);
  });

  it("refuses a body over 2 MB with 413 and keeps serving", async () => {
    const r = await post(JSON.stringify({ hex: "00".repeat(1_100_000) }));
    expect(r.status).toBe(413);
    expect(r.body.error).toContain("limit");
    expect((await get("/api/info")).status).toBe(200);
  });

  it("serves the page itself and nothing outside it", async () => {
    const page = await fetch(`${node.rpcUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await page.text()).toContain("/assets/");
    expect((await get("/..%2f..%2fpackage.json")).status).toBe(404);
    expect((await get("/assets/..%2F..%2Findex.html")).status).toBe(404);
  });

  it("pushes events on the /api/events WebSocket", async () => {
    const ws = new WebSocket(`${node.rpcUrl.replace("http", "ws")}/api/events`);
    const messages: any[] = [];
    ws.on("message", (m) => messages.push(JSON.parse(String(m))));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const [hash] = await node.rpc<string[]>("generatetoaddress", 1, address(9));
    const over = pay([genesisCoin(7)], [[7, GENESIS_VALUE + 5n]]);
    await post(JSON.stringify({ hex: over.hex }));
    await until(() => messages.length >= 2);
    expect(messages[0].event).toMatchObject({ type: "block", hash, height: 32, fees: "0" });
    expect(messages[1]).toMatchObject({ event: { type: "tx-rejected", reason: "bad-txns-in-belowout", source: "web" } });
    expect(messages[1].plain).toContain("pays out more than it spends");
    ws.close();
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

describe("the web layer inside a node", () => {
  it("is off with web: false, and says how to build the page when it is missing", async () => {
    const quiet = await UtxoNode.start({ memory: true, rpcPort: 0, p2pPort: 0, rpcToken: "t", web: false, log: () => undefined });
    try {
      expect((await fetch(`${quiet.rpc.url}/api/info`)).status).toBe(404);
      expect((await fetch(`${quiet.rpc.url}/`)).status).toBe(404);
      attachWeb(quiet, { pageDir: join(tmpdir(), "utxolab-no-such-page") });
      const page = await fetch(`${quiet.rpc.url}/`);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain("pnpm run build:web");
      expect((await fetch(`${quiet.rpc.url}/api/info`)).status).toBe(200);
    } finally {
      await quiet.stop();
    }
  });
});
