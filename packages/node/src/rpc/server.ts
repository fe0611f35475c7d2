import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../clock.js";
import { discardRestOfBody, HttpError, readBody, toJson } from "../http.js";
import { RPC, RpcError } from "./errors.js";
import { isValidId, jsonDepthExceeds, MAX_JSON_DEPTH } from "./jsonlimits.js";
import type { CallContext } from "./methods.js";
import { SUBSCRIBE_PATH, Subscriptions } from "./subscribe.js";
import { type MethodTable, methodTable, type RpcNode } from "./table.js";

/** What the server reaches besides its methods: the token that guards it and whether it is the cookie's. */
export type RpcServerNode = RpcNode & Clock & { readonly rpcToken: string; readonly cookiePath: string | undefined };

/** The most requests one batch may hold; more is refused whole (-32600) before any runs. */
export const MAX_BATCH = 100;

/** Large enough for the hex of a maximal block (2 x maxBlockSize) so every block rule stays reachable over RPC. */
export function maxRequestBytes(maxBlockSize: number): number {
  return 2 * maxBlockSize + 100_000;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

/** JSON-RPC 1.0/2.0 over HTTP POST / and /rpc as Bitcoin Core answers it (bearer or Basic auth); other paths go to the web handlers. */
export class RpcServer {
  private readonly server: Server;
  private readonly table: MethodTable;
  private readonly handlers: HttpHandler[] = [];
  /** run before the server closes: upgraded connections (WebSockets) are not HTTP and would hold it open */
  private readonly closeHooks: (() => void)[] = [];
  private readonly subscriptions: Subscriptions;
  url = "";
  readonly maxBytes: number;

  constructor(private readonly node: RpcServerNode) {
    this.table = methodTable(node);
    this.maxBytes = maxRequestBytes(node.params.maxBlockSize);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        if (!res.headersSent) this.reply(res, 500, { error: { code: RPC.INTERNAL, message: `internal error: ${(e as Error).message}` } });
        else res.destroy();
      });
    });
    this.subscriptions = new Subscriptions(
      (h) => checkAuth(h, node.rpcToken, node.cookiePath !== undefined),
      () => node.now(),
    );
    node.events.on((e) => this.subscriptions.publish(e));
    this.server.on("upgrade", (req, socket, head) => {
      if (this.subscriptions.handleUpgrade(req, socket, head)) return;
      // The web page's /api/events is taken by its own listener; nobody takes other paths.
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (path !== "/api/events" || this.server.listenerCount("upgrade") === 1) {
        socket.end(
          `HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\n\r\nno WebSocket at ${path}: subscriptions are at ${SUBSCRIBE_PATH}\n`,
        );
      }
    });
    this.server.requestTimeout = 120_000;
    // Clients (the wallet, scripts) may pause for seconds between calls; a short idle
    // timeout makes them race the server's close of the socket they are about to reuse.
    this.server.keepAliveTimeout = 30_000;
  }

  addHandler(h: HttpHandler): void {
    this.handlers.push(h);
  }

  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  get httpServer(): Server {
    return this.server;
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const a = this.server.address() as AddressInfo;
        this.url = `http://${host.includes(":") ? `[${host}]` : host}:${a.port}`;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.subscriptions.close();
    for (const h of this.closeHooks.splice(0)) {
      try {
        h();
      } catch {
        // closing must go on whatever a hook does
      }
    }
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = toJson(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  /** Bearer TOKEN, or HTTP Basic as Core: user `__cookie__` with the cookie's token, any user with --rpc-token. */
  private authorized(req: IncomingMessage): boolean {
    return checkAuth(req.headers.authorization, this.node.rpcToken, this.node.cookiePath !== undefined);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    // POST / is Core's endpoint; GET / stays the workshop page.
    const rpcPath = url.pathname === "/rpc" || (url.pathname === "/" && req.method === "POST");
    if (!rpcPath) {
      for (const h of this.handlers) if (await h(req, res, url)) return;
      this.reply(res, 404, { error: `no such path ${url.pathname}: JSON-RPC is at POST / or POST /rpc` });
      return;
    }
    if (req.method !== "POST") {
      this.reply(res, 405, { error: "JSON-RPC takes POST /rpc (or POST /) with a JSON body" }, { allow: "POST" });
      return;
    }
    if (!this.authorized(req)) {
      // Refused on the headers alone: the body is never read, and the connection closes
      // so a client streaming a large upload stops paying for it (and so do we).
      // Plain text as Core (whose 401 has no JSON body): clients read the status, people the words.
      const text =
        "unauthorized: send Authorization: Bearer <token>, or HTTP Basic as __cookie__:<token> (the token is in <datadir>/rpc.cookie), or any user with the node's --rpc-token\n";
      res.writeHead(401, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(text),
        "www-authenticate": 'Basic realm="jsonrpc"',
        connection: "close",
      });
      res.end(text);
      res.once("finish", () => req.destroy());
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, this.maxBytes);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      if (e.status === 413) {
        // an authenticated client: let it finish sending so it reads the 413, not a reset;
        // the rest is thrown away, and the connection dropped past 16 MB or 5 s
        discardRestOfBody(req);
        this.reply(res, 413, { error: e.message });
      } else {
        this.reply(res, e.status, { error: e.message }, e.headers);
        req.destroy();
      }
      return;
    }
    const text = raw.toString("utf8");
    if (jsonDepthExceeds(text)) {
      this.reply(res, 400, {
        result: null,
        id: null,
        error: { code: RPC.PARSE, message: `parse error: JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused` },
      });
      return;
    }
    // A client that hangs up before its answer aborts the call's long waits (waitfornewblock).
    const gone = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    const ctx: CallContext = { signal: gone.signal };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // As Core: a body that is not JSON is a 1.0-style error with HTTP 500.
      this.reply(res, 500, { result: null, id: null, error: { code: RPC.PARSE, message: "parse error: the body is not valid JSON" } });
      return;
    }
    if (Array.isArray(body)) {
      if (body.length === 0) {
        this.reply(res, 400, { result: null, id: null, error: { code: RPC.INVALID_REQUEST, message: "invalid request: empty batch" } });
        return;
      }
      if (body.length > MAX_BATCH) {
        this.reply(res, 400, {
          result: null,
          id: null,
          error: { code: RPC.INVALID_REQUEST, message: `invalid request: a batch holds at most ${MAX_BATCH} requests, got ${body.length}` },
        });
        return;
      }
      const out = [];
      for (const r of body) {
        const a = await this.call(r, ctx);
        if (!a.notification) out.push(a.body);
      }
      if (out.length === 0) {
        res.writeHead(204).end();
        return;
      }
      this.reply(res, 200, out);
      return;
    }
    if (body === null || typeof body !== "object") {
      this.reply(res, 500, {
        result: null,
        id: null,
        error: { code: RPC.PARSE, message: "parse error: top-level value must be an object or an array" },
      });
      return;
    }
    const a = await this.call(body, ctx);
    if (a.notification) {
      res.writeHead(204).end();
      return;
    }
    this.reply(res, a.status, a.body);
  }

  /** One request: the reply in its version's envelope and the HTTP status Core would send if it stood alone. */
  private async call(req: unknown, ctx: CallContext): Promise<{ body: unknown; status: number; notification: boolean }> {
    const r = req as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const isObject = r !== null && typeof r === "object" && !Array.isArray(r);
    const v2 = isObject && r.jsonrpc === "2.0";
    // JSON-RPC 2.0: a request without an id is a notification: it runs, and nothing is answered
    // (a malformed one is still answered, with id null, as the spec asks).
    const notification = v2 && !("id" in r) && typeof r.method === "string";
    const rawId = isObject && "id" in r ? r.id : null;
    const id = isValidId(rawId) ? rawId : null;
    const ok = (result: unknown) => ({
      body: v2
        ? { jsonrpc: "2.0", result: result === undefined ? null : result, id }
        : { result: result === undefined ? null : result, error: null, id },
      status: 200,
      notification,
    });
    const fail = (e: RpcError) => {
      const error = e.toJSON();
      // Core's HTTP status for 1.0: 400 for an invalid request, 404 for an unknown method, 500 for the rest; 2.0 is always 200.
      const status = v2 ? 200 : e.code === RPC.INVALID_REQUEST ? 400 : e.code === RPC.METHOD_NOT_FOUND ? 404 : 500;
      return { body: v2 ? { jsonrpc: "2.0", error, id } : { result: null, error, id }, status, notification };
    };
    try {
      if (!isObject) throw new RpcError(RPC.INVALID_REQUEST, "invalid request: expected a JSON object");
      if (!isValidId(rawId)) throw new RpcError(RPC.INVALID_REQUEST, "invalid request: id must be a string, a number or null");
      if (r.jsonrpc !== undefined && r.jsonrpc !== "1.0" && r.jsonrpc !== "1.1" && r.jsonrpc !== "2.0") {
        throw new RpcError(RPC.INVALID_REQUEST, 'invalid request: jsonrpc must be "1.0", "1.1" or "2.0"');
      }
      if (typeof r.method !== "string") throw new RpcError(RPC.INVALID_REQUEST, "invalid request: method must be a string");
      const params = r.params === undefined || r.params === null ? [] : r.params;
      if (!Array.isArray(params)) throw new RpcError(RPC.INVALID_REQUEST, "invalid request: params must be an array (positional)");
      const m = Object.hasOwn(this.table, r.method) ? this.table[r.method] : undefined;
      if (!m) throw new RpcError(RPC.METHOD_NOT_FOUND, `method not found: ${r.method} (utxolab rpc help lists the methods)`);
      return ok(await m.run(params, ctx));
    } catch (e) {
      if (e instanceof RpcError) return fail(e);
      return fail(new RpcError(RPC.INTERNAL, `internal error: ${(e as Error).message}`));
    }
  }
}

/** The auth check on the Authorization header alone (pure, so it is tested without a server). */
export function checkAuth(header: string | undefined, token: string, cookieMode: boolean): boolean {
  if (!header || token === "") return false;
  const bearer = /^Bearer (.+)$/.exec(header);
  if (bearer) return sameSecret(bearer[1], token);
  const basic = /^Basic ([A-Za-z0-9+/=]+)\s*$/.exec(header);
  if (!basic) return false;
  const pair = Buffer.from(basic[1], "base64").toString("utf8");
  const colon = pair.indexOf(":");
  if (colon < 0) return false;
  const user = pair.slice(0, colon);
  const pass = pair.slice(colon + 1);
  if (cookieMode && user !== COOKIE_USER) return false;
  return sameSecret(pass, token);
}

/** Core's user name for cookie authentication. */
export const COOKIE_USER = "__cookie__";

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
