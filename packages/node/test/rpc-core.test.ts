import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { address, GENESIS_VALUE, genesisCoin, pay, until } from "@utxolab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { METHOD_NAMES } from "../../client/src/index.js";
import { UtxoNode as Node, type UtxoNode } from "../src/index.js";
import { MAX_WAITERS } from "../src/rpc/info.js";
import { MAX_JSON_DEPTH } from "../src/rpc/jsonlimits.js";
import { MAX_BATCH } from "../src/rpc/server.js";
import { METHOD_DOCS } from "../src/rpc/table.js";

let node: UtxoNode;
let cookieNode: UtxoNode;
const dirs: string[] = [];

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

async function post(n: UtxoNode, body: unknown, opts: { path?: string; auth?: string } = {}) {
  const res = await fetch(`${n.rpc.url}${opts.path ?? "/"}`, {
    method: "POST",
    headers: { authorization: opts.auth ?? `Bearer ${n.rpcToken}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: text && res.headers.get("content-type") === "application/json" ? JSON.parse(text) : undefined,
    headers: res.headers,
  };
}

const v1 = (method: string, params: unknown[] = [], id: unknown = "t") => ({ jsonrpc: "1.0", id, method, params });
const v2 = (method: string, params: unknown[] = [], id: unknown = 1) => ({ jsonrpc: "2.0", id, method, params });
const result = async (method: string, ...params: unknown[]) => {
  const r = await post(node, v2(method, params));
  if (r.body.error) throw new Error(`${method}: ${JSON.stringify(r.body.error)}`);
  return r.body.result;
};
const errorOf = async (method: string, ...params: unknown[]) => (await post(node, v2(method, params))).body.error;

beforeAll(async () => {
  node = await Node.start({ memory: true, rpcPort: 0, p2pPort: 0, rpcToken: "tok", web: false, log: () => undefined });
  const dir = mkdtempSync(join(tmpdir(), "utxolab-rpccore-"));
  dirs.push(dir);
  cookieNode = await Node.start({ datadir: dir, memory: true, rpcPort: 0, p2pPort: 0, web: false, log: () => undefined });
});

afterAll(async () => {
  await node?.stop();
  await cookieNode?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("Core's transport", () => {
  it("takes HTTP Basic: __cookie__ with the cookie's token, any user with --rpc-token; refuses others with 401 and WWW-Authenticate", async () => {
    const cookie = readFileSync(join(cookieNode.datadir, "rpc.cookie"), "utf8").trim();
    expect((await post(cookieNode, v1("getblockcount"), { auth: basic("__cookie__", cookie) })).body.result).toBe(0);
    const wrongUser = await post(cookieNode, v1("getblockcount"), { auth: basic("alice", cookie) });
    expect(wrongUser.status).toBe(401);
    expect(wrongUser.headers.get("www-authenticate")).toBe('Basic realm="jsonrpc"');
    expect(wrongUser.text).toContain("__cookie__");
    expect((await post(node, v1("getblockcount"), { auth: basic("alice", "tok") })).body.result).toBe(0);
    expect((await post(node, v1("getblockcount"), { auth: basic("alice", "tok2") })).status).toBe(401);
    expect((await post(node, v1("getblockcount"), { auth: "Bearer tok" })).status).toBe(200);
  });

  it("answers JSON-RPC 1.0 on POST / and /rpc with Core's envelope and HTTP statuses", async () => {
    for (const path of ["/", "/rpc"]) {
      const ok = await post(node, v1("getblockcount"), { path });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ result: 0, error: null, id: "t" });
    }
    const missing = await post(node, v1("nosuchmethod"));
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ result: null, error: { code: -32601 }, id: "t" });
    const bad = await post(node, v1("getblockhash", [99]));
    expect(bad.status).toBe(500);
    expect(bad.body).toMatchObject({ result: null, error: { code: -8 }, id: "t" });
    const invalid = await post(node, { id: 1, method: 5 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe(-32600);
    const notJson = await post(node, "{nope");
    expect(notJson.status).toBe(500);
    expect(notJson.body.error.code).toBe(-32700);
    // no jsonrpc field at all is 1.0 too (the bitcoin-core npm client sends none)
    expect((await post(node, { id: 7, method: "getblockcount", params: [] })).body).toEqual({ result: 0, error: null, id: 7 });
  });

  it("answers JSON-RPC 2.0 with HTTP 200 and no reply to notifications", async () => {
    const e = await post(node, v2("nosuchmethod"));
    expect(e.status).toBe(200);
    expect(e.body).toEqual({ jsonrpc: "2.0", error: expect.objectContaining({ code: -32601 }), id: 1 });
    const before = node.chain.height;
    const note = await post(node, { jsonrpc: "2.0", method: "generatetoaddress", params: [1, address(1)] });
    expect(note.status).toBe(204);
    expect(note.text).toBe("");
    expect(node.chain.height).toBe(before + 1);
    const batch = await post(node, [v2("getblockcount", [], 1), { jsonrpc: "2.0", method: "getblockcount" }, v2("nosuch", [], 3)]);
    expect(batch.status).toBe(200);
    expect(batch.body).toHaveLength(2);
    expect(batch.body[0]).toEqual({ jsonrpc: "2.0", result: before + 1, id: 1 });
    expect(batch.body[1].error.code).toBe(-32601);
    expect((await post(node, [{ jsonrpc: "2.0", method: "getblockcount" }])).status).toBe(204);
  });

  it(`refuses a batch over ${MAX_BATCH} requests before running any`, async () => {
    const before = node.chain.height;
    const many = Array.from({ length: MAX_BATCH + 1 }, (_, i) => v2("generatetoaddress", [1, address(1)], i));
    const r = await post(node, many);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: -32600, message: expect.stringContaining(`at most ${MAX_BATCH}`) });
    expect(node.chain.height).toBe(before);
    expect(
      (
        await post(
          node,
          many.slice(0, 3).map((m) => ({ ...m, method: "getblockcount", params: [] })),
        )
      ).body,
    ).toHaveLength(3);
  });

  it("refuses JSON nested 10,000 deep with -32700, in the body or in the id, and keeps serving", async () => {
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const r = await post(node, deep);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: -32700, message: expect.stringContaining(`${MAX_JSON_DEPTH}`) });
    const inId = await post(node, `{"jsonrpc":"2.0","method":"getblockcount","params":[],"id":${deep}}`);
    expect(inId.status).toBe(400);
    expect(inId.body.error.code).toBe(-32700);
    const objects = await post(
      node,
      `{"jsonrpc":"2.0","method":"getblockcount","params":[${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}],"id":1}`,
    );
    expect(objects.body.error.code).toBe(-32700);
    // shallow but not a valid id: refused, never echoed
    const objId = await post(node, { jsonrpc: "2.0", method: "getblockcount", id: { a: [1] } });
    expect(objId.body).toMatchObject({ id: null, error: { code: -32600 } });
    // brackets inside strings do not count
    expect((await post(node, v2("help", ["[".repeat(1000)]))).body.result).toMatch(/unknown command/);
    expect((await result("getblockcount")) as number).toBeGreaterThanOrEqual(0);
  });

  it("refuses an unauthenticated upload with 401 on its headers and closes, without reading the body", async () => {
    const url = new URL(node.rpc.url);
    const total = 64 * 1024 * 1024;
    const outcome = await new Promise<{ status?: number; sent: number; closedAfterMs: number }>((resolve) => {
      let sent = 0;
      let status: number | undefined;
      let answeredAt = Date.now();
      const done = () => resolve({ status, sent, closedAfterMs: Date.now() - answeredAt });
      const req = request({
        host: url.hostname,
        port: url.port,
        path: "/",
        method: "POST",
        headers: { "content-length": String(total), "content-type": "application/json" },
      });
      req.on("response", (res) => {
        status = res.statusCode;
        answeredAt = Date.now();
        res.resume();
      });
      req.on("error", done);
      req.on("close", done);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(outcome.status).toBe(401);
    // The server closed the connection long before 64 MB went through (draining it would take them all).
    expect(outcome.sent).toBeLessThan(total / 2);
    // closed at once (draining the upload instead kept this socket open for about 30 s)
    expect(outcome.closedAfterMs).toBeLessThan(5000);
  });
});

describe("Core's methods and conformance", () => {
  it("help lists every method of the table with its parameters, and help METHOD explains one", async () => {
    const all: string = await result("help");
    for (const [name, doc] of Object.entries(METHOD_DOCS)) {
      expect(all).toContain(name);
      for (const a of doc.args) expect(all).toMatch(new RegExp(`${name}[^\\n]*${a.name}`));
    }
    expect(await result("help", "getblockheader")).toMatch(/getblockheader "blockhash" \( verbose \)[\s\S]*2\. verbose/);
    expect(await result("help", "nosuch")).toBe("help: unknown command: nosuch");
    // the typed client knows every method the node has, no more
    expect([...METHOD_NAMES].sort()).toEqual(Object.keys(METHOD_DOCS).sort());
    // docs/rpc.md lists every method with its Core counterpart
    const doc = readFileSync(new URL("../../../docs/rpc.md", import.meta.url), "utf8");
    for (const name of Object.keys(METHOD_DOCS)) expect(doc).toMatch(new RegExp(`\\| \`${name}\` \\|`));
  });

  it("answers -22 tx-decode-failed / block-decode-failed for odd or non-hex data, as Core", async () => {
    for (const m of ["sendrawtransaction", "decoderawtransaction"]) {
      for (const bad of ["abc", "zz", "0g"]) expect(await errorOf(m, bad)).toMatchObject({ code: -22, message: "tx-decode-failed" });
    }
    expect(await errorOf("testmempoolaccept", ["abc"])).toMatchObject({ code: -22, message: "tx-decode-failed" });
    expect(await errorOf("testmempoolaccept", ["00"])).toMatchObject({ code: -22, message: "tx-decode-failed" });
    expect(await errorOf("submitblock", "abc")).toMatchObject({ code: -22, message: "block-decode-failed" });
    expect(await errorOf("submitblock", "xy")).toMatchObject({ code: -22, message: "block-decode-failed" });
    const e = await errorOf("getblock", 0);
    expect(e.message).toContain("getblockhash 0 first");
  });

  it("getblockcount, getbestblockhash, getblockheader (hex and verbose), getchaintips, getdifficulty", async () => {
    const height: number = await result("getblockcount");
    const best: string = await result("getbestblockhash");
    expect(best).toBe(node.chain.tip.hash);
    const h = await result("getblockheader", best);
    expect(h).toMatchObject({ hash: best, height, confirmations: 1, nTx: 1 });
    expect(await result("getblockheader", best, false)).toMatch(/^[0-9a-f]{160}$/);
    expect((await errorOf("getblockheader", "00".repeat(32))).code).toBe(-5);
    expect(await result("getchaintips")).toEqual([{ height, hash: best, branchlen: 0, status: "active" }]);
    expect(await result("getdifficulty")).toBeGreaterThan(0);
  });

  it("mempool, network and mining information; fee estimate; uptime", async () => {
    const p = pay(
      [genesisCoin(2)],
      [
        [3, 1_000_000n],
        [2, GENESIS_VALUE - 1_000_000n - 1000n],
      ],
    );
    await result("sendrawtransaction", p.hex);
    expect(await result("getmempoolinfo")).toMatchObject({ loaded: true, size: 1, total_fee: "1000" });
    const verbose = await result("getrawmempool", true);
    expect(verbose[p.txid]).toMatchObject({ fee: "1000", depends: [], ancestorcount: 1 });
    expect(await result("getrawmempool")).toEqual([p.txid]);
    expect(await result("getnetworkinfo")).toMatchObject({
      connections: 0,
      networkactive: true,
      localrelay: true,
      verifier: node.verifierInfo(),
    });
    expect((await result("getnetworkinfo")).verifier.backend).toMatch(/^(noble|libsecp256k1)$/);
    expect(await result("getconnectioncount")).toBe(0);
    expect(await result("getmininginfo")).toMatchObject({ blocks: node.chain.height, pooledtx: 1, chain: "devnet" });
    expect(await result("estimatesmartfee", 2)).toEqual({ feerate: "1000", blocks: 2 });
    expect((await errorOf("estimatesmartfee", 2, "fast")).code).toBe(-8);
    expect(await result("uptime")).toBeGreaterThanOrEqual(0);
  });

  it("sendrawtransaction takes Core's maxfeerate (coins per 1,000 bytes): above it -25 and nothing enters the pool", async () => {
    const p = pay(
      [genesisCoin(8)],
      [
        [7, 1_000_000n],
        [8, GENESIS_VALUE - 1_000_000n - 1000n],
      ],
    );
    // 1,000 units of fee for about 190 bytes: about 5,200 units (0.000052 coins) per 1,000 bytes
    const over = await errorOf("sendrawtransaction", p.hex, 0.00001);
    expect(over.code).toBe(-25);
    expect(over.message).toContain("maxfeerate");
    expect(await result("getrawmempool")).not.toContain(p.txid);
    expect((await errorOf("sendrawtransaction", p.hex, "lots")).code).toBe(-8);
    expect(await result("sendrawtransaction", p.hex, 0.1)).toBe(p.txid);
  });

  it("gettxoutsetinfo counts and sums the set and hashes it", async () => {
    const a = await result("gettxoutsetinfo");
    expect(a.txouts).toBe(node.chain.utxos.size);
    expect(BigInt(a.total_amount)).toBe(node.chain.utxos.total);
    expect(a.hash_serialized).toMatch(/^[0-9a-f]{64}$/);
    await result("generatetoaddress", 1, address(1));
    expect((await result("gettxoutsetinfo")).hash_serialized).not.toBe(a.hash_serialized);
  });

  it("waitfornewblock and waitforblockheight return when the chain gets there, or at the timeout", async () => {
    const h: number = await result("getblockcount");
    const waiting = result("waitforblockheight", h + 2);
    const next = result("waitfornewblock");
    await result("generatetoaddress", 1, address(1));
    expect((await next).height).toBe(h + 1);
    await result("generatetoaddress", 1, address(1));
    expect((await waiting).height).toBe(h + 2);
    const t0 = Date.now();
    expect(await result("waitfornewblock", 50)).toEqual({ hash: node.chain.tip.hash, height: h + 2 });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("a client that hangs up frees its wait slot: MAX_WAITERS abandoned waits do not lock the next caller out", async () => {
    const gone = new AbortController();
    const abandoned = Array.from({ length: MAX_WAITERS }, () =>
      fetch(`${node.rpc.url}/`, {
        method: "POST",
        headers: { authorization: `Bearer ${node.rpcToken}`, "content-type": "application/json" },
        body: JSON.stringify(v2("waitfornewblock", [0])),
        signal: gone.signal,
      }).catch(() => undefined),
    );
    // every slot is taken: the next call is refused
    await until("all slots to be taken", async () => (await post(node, v2("waitfornewblock", [50]))).body.error?.code === -8);
    gone.abort();
    await Promise.all(abandoned);
    // the slots come back once the server sees the sockets close; then a wait runs to its timeout
    await until("a slot to come free", async () => (await post(node, v2("waitfornewblock", [50]))).body.error === undefined);
    expect((await post(node, v2("waitfornewblock", [50]))).body.result).toMatchObject({ height: node.chain.height });
  });

  it("invalidateblock steps back and puts the block's transactions back in the pool; reconsiderblock returns", async () => {
    const p = pay(
      [genesisCoin(4)],
      [
        [5, 2_000_000n],
        [4, GENESIS_VALUE - 2_000_000n - 1000n],
      ],
    );
    await result("sendrawtransaction", p.hex);
    const [mined] = await result("generatetoaddress", 1, address(1));
    const h: number = await result("getblockcount");
    expect(await result("getrawmempool")).not.toContain(p.txid);
    expect(await result("invalidateblock", mined)).toBeNull();
    expect(await result("getblockcount")).toBe(h - 1);
    expect(await result("getrawmempool")).toContain(p.txid);
    expect((await result("getchaintips")).find((t: { hash: string }) => t.hash === mined)?.status).toBe("invalid");
    expect(await result("reconsiderblock", mined)).toBeNull();
    expect(await result("getbestblockhash")).toBe(mined);
    expect(await result("getrawmempool")).not.toContain(p.txid);
    expect((await result("verifyledger")).ok).toBe(true);
    expect((await errorOf("invalidateblock", node.genesisHash)).code).toBe(-8);
  });

  it("setmocktime moves the clock of the miner and the pool; 0 returns to the real clock", async () => {
    const t = Math.floor(Date.now() / 1000) + 3600;
    await result("setmocktime", t);
    const [hash] = await result("generatetoaddress", 1, address(1));
    expect((await result("getblockheader", hash)).time).toBeGreaterThanOrEqual(t);
    await result("setmocktime", 0);
    expect(Math.abs(node.now() - Date.now() / 1000)).toBeLessThan(5);
    expect((await errorOf("setmocktime", -1)).code).toBe(-8);
  });
});

describe("subscriptions on /rpc/ws", () => {
  const open = (query: string, headers: Record<string, string> = {}) =>
    new Promise<{ ws?: WebSocket; status?: number; messages: any[] }>((resolve) => {
      const messages: any[] = [];
      const ws = new WebSocket(`${node.rpc.url.replace("http", "ws")}/rpc/ws${query}`, { headers });
      ws.on("message", (d) => messages.push(JSON.parse(d.toString())));
      ws.on("open", () => resolve({ ws, messages }));
      ws.on("unexpected-response", (_req, res) => {
        resolve({ status: res.statusCode, messages });
        res.resume();
      });
      ws.on("error", () => undefined);
    });
  const next = async (messages: any[], pred: (m: any) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const m = messages.find(pred);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no such message in ${JSON.stringify(messages)}`);
  };

  it("needs the RPC token and known topics", async () => {
    expect((await open("?topics=blocks")).status).toBe(401);
    expect((await open("?topics=blocks&token=wrong")).status).toBe(401);
    expect((await open("?topics=nope&token=tok")).status).toBe(400);
    const h = await open("", { authorization: "Bearer tok" });
    expect(h.ws).toBeDefined();
    h.ws?.close();
  });

  it("pushes new blocks with reorg notices, accepted transactions and refusals to subscribers of each topic", async () => {
    const all = await open("?topics=blocks,txs,refusals&token=tok");
    const txsOnly = await open("?token=tok");
    txsOnly.ws?.send(JSON.stringify({ op: "subscribe", topics: ["txs"] }));
    await next(txsOnly.messages, (m) => m.type === "subscribed");
    const [hash] = await result("generatetoaddress", 1, address(1));
    expect((await next(all.messages, (m) => m.event?.type === "block")).event).toMatchObject({ hash, height: node.chain.height });
    const p = pay(
      [genesisCoin(6)],
      [
        [7, 1_000_000n],
        [6, GENESIS_VALUE - 1_000_000n - 1000n],
      ],
    );
    await result("sendrawtransaction", p.hex);
    expect((await next(all.messages, (m) => m.event?.type === "tx")).event).toMatchObject({ txid: p.txid, fee: "1000" });
    expect((await next(txsOnly.messages, (m) => m.event?.type === "tx")).topic).toBe("txs");
    await errorOf("sendrawtransaction", p.hex.replace(/..$/, "01"));
    expect((await next(all.messages, (m) => m.topic === "refusals")).event.type).toBe("tx-rejected");
    const [b2] = await result("generatetoaddress", 1, address(1));
    await result("invalidateblock", b2);
    expect((await next(all.messages, (m) => m.event?.type === "reorg")).event).toMatchObject({ depth: 1, from: { hash: b2 } });
    await result("reconsiderblock", b2);
    expect(txsOnly.messages.some((m) => m.topic === "blocks")).toBe(false);
    all.ws?.send("not json");
    expect((await next(all.messages, (m) => m.type === "error")).message).toMatch(/subscribe/);
    all.ws?.close();
    txsOnly.ws?.close();
  });
});
