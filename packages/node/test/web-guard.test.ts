import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupAfterEach, coin, GENESIS_VALUE, genesisCoin, pay } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type NodeConfig, UtxoNode } from "../src/index.js";
import { LOOPBACK_RESERVED, MAX_CLIENTS_PER_ADDRESS } from "../src/web/live.js";
import { startNode } from "./helpers.js";

const cleanup = cleanupAfterEach();

const start = (extra: Partial<NodeConfig> = {}) => startNode(cleanup, extra);

/** A raw HTTP request, so the Host and Origin headers are exactly what a hostile page's browser would send. */
function raw(
  node: UtxoNode,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(node.rpc.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: opts.method ?? "GET", headers: opts.headers ?? {} }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** Opens /api/events; resolves with the socket when open or the HTTP status it was refused with. */
function watch(node: UtxoNode, opts: { origin?: string; host?: string; from?: string } = {}): Promise<WebSocket | number> {
  const url = `${node.rpc.url.replace("http", "ws")}/api/events`;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.host) headers.host = opts.host;
    const ws = new WebSocket(url, { origin: opts.origin, headers, localAddress: opts.from });
    ws.once("open", () => {
      cleanup.push(() => ws.terminate());
      resolve(ws);
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", (e) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(e);
    });
  });
}

const tx = () =>
  pay(
    [genesisCoin(0)],
    [
      [1, 1_000_000n],
      [0, GENESIS_VALUE - 1_000_000n - 10_000n],
    ],
  );

describe("the web API against other pages and hosts", () => {
  it("answers only requests addressed to the node (DNS rebinding): bound address, localhost names, --allow-host", async () => {
    const node = await start({ allowHosts: ["teacher.lan"] });
    const port = new URL(node.rpc.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `teacher.lan:${port}`, "page.localhost"]) {
      expect((await raw(node, "/api/info", { headers: { host } })).status, host).toBe(200);
    }
    const evil = await raw(node, "/api/info", { headers: { host: `rebind.evil.example:${port}` } });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).error).toMatch(
      /answers requests addressed to .*127\.0\.0\.1.*, not "rebind\.evil\.example" \(a defence against DNS rebinding\); to reach it by that name, start the node with --allow-host rebind\.evil\.example/,
    );
    expect((await raw(node, "/", { headers: { host: "rebind.evil.example" } })).status).toBe(403);
    expect(await watch(node, { host: `rebind.evil.example:${port}` })).toBe(403);
  });

  it("POST /api/tx: refused from another origin and as a non-JSON simple request, unless the devnet is opened on purpose", async () => {
    const node = await start();
    const p = tx();
    const body = JSON.stringify({ hex: p.hex });
    const cross = await raw(node, "/api/tx", {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "text/plain" },
      body,
    });
    expect(cross.status).toBe(403);
    expect(JSON.parse(cross.body).error).toMatch(/pages of http:\/\/evil\.example may not submit transactions to this node/);
    const plain = await raw(node, "/api/tx", { method: "POST", headers: { "content-type": "text/plain" }, body });
    expect(plain.status).toBe(415);
    expect(node.mempool.size).toBe(0);
    // the page's own request: same origin, JSON
    const own = await raw(node, "/api/tx", {
      method: "POST",
      headers: { origin: node.rpc.url, "content-type": "application/json" },
      body,
    });
    expect(JSON.parse(own.body)).toMatchObject({ ok: true, txid: p.txid });

    const open = await start({ webOrigins: ["*"] });
    const r = await raw(open, "/api/tx", {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "text/plain" },
      body,
    });
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, txid: p.txid });
    const listed = await start({ webOrigins: ["http://workshop.example:8080"] });
    const r2 = await raw(listed, "/api/tx", {
      method: "POST",
      headers: { origin: "http://workshop.example:8080", "content-type": "application/json" },
      body,
    });
    expect(r2.status).toBe(200);
  });

  it("/api/events checks Origin and Host", async () => {
    const node = await start();
    expect(await watch(node, { origin: "http://evil.example" })).toBe(403);
    expect(await watch(node, { origin: node.rpc.url })).toBeInstanceOf(WebSocket);
    expect(await watch(node)).toBeInstanceOf(WebSocket); // no Origin: not a browser page
  });

  it("/api/events bounds sockets per client address and keeps slots for this machine's own page", async () => {
    const node = await start();
    // 127.0.0.2.. are loopback addresses too, but not 127.0.0.1: they stand for other machines here
    for (let i = 0; i < MAX_CLIENTS_PER_ADDRESS; i++) expect(await watch(node, { from: "127.0.0.2" })).toBeInstanceOf(WebSocket);
    expect(await watch(node, { from: "127.0.0.2" })).toBe(503);
    // fill every slot open to other addresses
    let open = MAX_CLIENTS_PER_ADDRESS;
    for (let a = 3; open < 200 - LOOPBACK_RESERVED; a++) {
      for (let i = 0; i < MAX_CLIENTS_PER_ADDRESS && open < 200 - LOOPBACK_RESERVED; i++, open++) {
        expect(await watch(node, { from: `127.0.0.${a}` })).toBeInstanceOf(WebSocket);
      }
    }
    expect(await watch(node, { from: "127.0.0.99" })).toBe(503);
    // the projector's own page still gets in
    const own = await watch(node, { from: "127.0.0.1", origin: node.rpc.url });
    expect(own).toBeInstanceOf(WebSocket);
    // and a closed socket frees its slot
    (own as WebSocket).close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await watch(node, { from: "127.0.0.1" })).toBeInstanceOf(WebSocket);
  });

  it("/api/accounts does not read the pool: its cost does not grow with the pool", async () => {
    const node = await start();
    const calls = { n: 0 };
    const pool = node.mempool as unknown as Record<string, unknown>;
    // every call into the pool counts, and a list it hands out counts once per transaction in it
    for (const m of ["entries", "get", "has", "spenderOf"]) {
      const f = pool[m] as (...a: unknown[]) => unknown;
      pool[m] = (...a: unknown[]) => {
        const r = f.apply(node.mempool, a);
        calls.n += 1 + (Array.isArray(r) ? r.length : 0);
        return r;
      };
    }
    const measure = async () => {
      calls.n = 0;
      const r = await raw(node, "/api/accounts", { headers: { host: new URL(node.rpc.url).host } });
      expect(r.status).toBe(200);
      return { calls: calls.n, accounts: JSON.parse(r.body) };
    };
    const empty = await measure();
    // a pool of 30 payments, 3 chains of 10, to accounts 1..3
    for (const from of [4, 5, 6]) {
      let held = genesisCoin(from);
      for (let k = 0; k < 10; k++) {
        const change = held.coin.value - 1_000n - 10_000n;
        const p = pay(
          [held],
          [
            [from - 3, 1_000n],
            [from, change],
          ],
        );
        expect(node.submitTx(p.tx, "test").ok).toBe(true);
        held = coin(p.txid, 1, change, from);
      }
    }
    const full = await measure();
    expect(full.calls).toBe(empty.calls);
    expect(full.accounts[1].pending).toBe("10000");
    expect(full.accounts[4].pending).toBe((GENESIS_VALUE - 10n * 11_000n).toString());
  });

  it("writes rpc.cookie without following a link planted in its place, mode 0600", async () => {
    const datadir = mkdtempSync(join(tmpdir(), "utxolab-cookie-"));
    cleanup.push(() => rmSync(datadir, { recursive: true, force: true }));
    const precious = join(datadir, "precious.txt");
    writeFileSync(precious, "do not overwrite");
    symlinkSync(precious, join(datadir, "rpc.cookie"));
    symlinkSync(precious, join(datadir, "node.json"));
    const node = await UtxoNode.start({ datadir, memory: true, rpcPort: 0, p2pPort: 0, web: false, log: () => undefined });
    cleanup.push(() => node.stop());
    expect(readFileSync(precious, "utf8")).toBe("do not overwrite");
    const st = lstatSync(join(datadir, "rpc.cookie"));
    expect(st.isSymbolicLink()).toBe(false);
    expect(st.mode & 0o777).toBe(0o600);
    expect(readFileSync(join(datadir, "rpc.cookie"), "utf8")).toBe(node.rpcToken);
    expect(lstatSync(join(datadir, "node.json")).isSymbolicLink()).toBe(false);
  });
});
