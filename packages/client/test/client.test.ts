import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverNode, RpcClient, RpcError, readCookie, rpcEndpoint } from "../src/index.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "utxolab-client-"));

let server: Server;
let base: string;
const seen: { path?: string; auth?: string; body?: unknown }[] = [];

function handle(req: IncomingMessage, res: ServerResponse) {
  let text = "";
  req.on("data", (d) => (text += d));
  req.on("end", () => {
    const body = JSON.parse(text);
    seen.push({ path: req.url, auth: req.headers.authorization, body });
    const reply = (o: unknown, status = 200) => {
      res.statusCode = status;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(o));
    };
    if (req.headers.authorization !== "Bearer good") return reply({ error: "no" }, 401);
    if (Array.isArray(body)) {
      // answered out of order, the way a server may: the client matches ids
      return reply(
        body
          .map((c: { id: number; method: string; params: unknown[] }) =>
            c.method === "echo"
              ? { jsonrpc: "2.0", id: c.id, result: c.params }
              : { jsonrpc: "2.0", id: c.id, error: { code: -8, message: "no", data: c.method } },
          )
          .reverse(),
      );
    }
    switch (body.method) {
      case "echo":
        return reply({ jsonrpc: "2.0", id: body.id, result: body.params });
      case "refuse":
        return reply({ jsonrpc: "2.0", id: body.id, error: { code: -26, message: "txn-mempool-conflict", data: "spends a:0" } }, 500);
      case "html":
        res.statusCode = 502;
        return res.end("<html>bad gateway</html>");
      case "slow":
        return; // never answers: the client's timeout must end the call
      default:
        return reply({ jsonrpc: "2.0", id: body.id, error: { code: -32601, message: `unknown method ${body.method}` } });
    }
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("RpcClient", () => {
  it("posts JSON-RPC 2.0 to /rpc with the bearer token, from a base URL or one ending in /rpc", async () => {
    expect(rpcEndpoint("http://h:1")).toBe("http://h:1/rpc");
    expect(rpcEndpoint("http://h:1/rpc/")).toBe("http://h:1/rpc");
    for (const url of [base, `${base}/rpc`]) {
      const rpc = new RpcClient({ url, token: "good" });
      expect(await rpc.call("echo", [1, "a", ["b"]])).toEqual([1, "a", ["b"]]);
    }
    expect(seen.at(-1)).toMatchObject({ path: "/rpc", auth: "Bearer good", body: { jsonrpc: "2.0", method: "echo" } });
  });

  it("turns a JSON-RPC error into RpcError with code, reason and data, whatever the HTTP status", async () => {
    const rpc = new RpcClient({ url: base, token: "good" });
    const e = await rpc.call("refuse").catch((x) => x);
    expect(e).toBeInstanceOf(RpcError);
    expect(e).toMatchObject({ kind: "refused", refused: true, code: -26, message: "txn-mempool-conflict", data: "spends a:0" });
    expect(e.display).toBe("txn-mempool-conflict: spends a:0");
    await expect(rpc.call("nope")).rejects.toMatchObject({ code: -32601 });
  });

  it("says what is wrong with a refused token, a server that is not a node, a closed port and a stuck node", async () => {
    await expect(new RpcClient({ url: base, token: "bad" }).call("echo")).rejects.toMatchObject({ kind: "unauthorized" });
    await expect(new RpcClient({ url: base }).call("echo")).rejects.toThrow(
      /the node refused the token: pass --rpc-token or --datadir of that node/,
    );
    await expect(new RpcClient({ url: base, token: "good" }).call("html")).rejects.toMatchObject({ kind: "protocol" });
    const closed = new RpcClient({ url: "http://127.0.0.1:1", token: "good" });
    await expect(closed.call("echo")).rejects.toMatchObject({ kind: "unreachable" });
    await expect(closed.call("echo")).rejects.toThrow(
      "cannot reach the node at http://127.0.0.1:1/rpc: is `utxolab node` running? pass --rpc URL",
    );
    await expect(new RpcClient({ url: base, token: "good", timeoutMs: 50 }).call("slow")).rejects.toThrow(/did not answer within 0.05 s/);
    await expect(new RpcClient({ url: base, token: "good", timeoutMs: 50 }).call("slow")).rejects.toBeInstanceOf(RpcError);
    expect(() => new RpcClient({ url: "localhost:18443" })).toThrow(/must be an http:\/\/ URL|is not a URL/);
  });
});

describe("RpcClient.batch", () => {
  it("sends one batch and returns each answer or refusal in call order", async () => {
    const rpc = new RpcClient({ url: base, token: "good" });
    const r = await rpc.batch([{ method: "echo", params: [1] }, { method: "other" }, { method: "echo", params: ["x"] }]);
    expect(r[0]).toEqual({ ok: true, result: [1] });
    expect(r[1].ok).toBe(false);
    if (!r[1].ok) expect(r[1].error).toMatchObject({ kind: "refused", code: -8, data: "other" });
    expect(r[2]).toEqual({ ok: true, result: ["x"] });
    expect(Array.isArray(seen.at(-1)?.body)).toBe(true);
  });
});

describe("readCookie", () => {
  it("reads the token the node wrote, and says what to do when there is none", () => {
    const dir = tempDir();
    expect(() => readCookie(dir)).toThrow(
      `no RPC cookie at ${join(dir, "rpc.cookie")}: start \`utxolab node --datadir ${dir}\`, or pass --rpc-token`,
    );
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "rpc.cookie"), "abc123\n");
    expect(readCookie(dir)).toBe("abc123");
    writeFileSync(join(dir, "rpc.cookie"), " \n");
    expect(() => readCookie(dir)).toThrow(/is empty/);
  });
});

describe("discoverNode", () => {
  it("finds the URL in node.json and the token in rpc.cookie of the datadir, or of $UTXOLAB_DATADIR", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "rpc.cookie"), "tok\n");
    writeFileSync(join(dir, "node.json"), JSON.stringify({ rpcUrl: "http://127.0.0.1:5555" }));
    expect(discoverNode({ datadir: dir })).toMatchObject({ url: "http://127.0.0.1:5555", token: "tok", datadir: dir });
    expect(discoverNode({ env: { UTXOLAB_DATADIR: dir } })).toMatchObject({ url: "http://127.0.0.1:5555", token: "tok" });
    expect(discoverNode({ datadir: dir, url: "http://127.0.0.1:6666", token: "t2" })).toMatchObject({
      url: "http://127.0.0.1:6666",
      token: "t2",
    });
    const empty = tempDir();
    expect(() => discoverNode({ datadir: empty })).toThrow(/no RPC cookie/);
    expect(discoverNode({ datadir: empty, token: "x" }).url).toBe("http://127.0.0.1:18443");
  });
});
