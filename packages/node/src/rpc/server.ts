import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpError, readBody, toJson } from "../http.js";
import type { UtxoNode } from "../node.js";
import { RPC, RpcError } from "./errors.js";
import { type MethodTable, methods } from "./methods.js";

/** Large enough for the hex of a maximal block (2 x maxBlockSize) so every block rule stays reachable over RPC. */
export function maxRequestBytes(maxBlockSize: number): number {
  return 2 * maxBlockSize + 100_000;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

/** JSON-RPC 2.0 over HTTP POST /rpc with a bearer token; other paths go to the web handlers. */
export class RpcServer {
  private readonly server: Server;
  private readonly table: MethodTable;
  private readonly handlers: HttpHandler[] = [];
  /** run before the server closes: upgraded connections (WebSockets) are not HTTP and would hold it open */
  private readonly closeHooks: (() => void)[] = [];
  url = "";
  readonly maxBytes: number;

  constructor(private readonly node: UtxoNode) {
    this.table = methods(node);
    this.maxBytes = maxRequestBytes(node.params.maxBlockSize);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        if (!res.headersSent) this.reply(res, 500, { error: { code: RPC.INTERNAL, message: `internal error: ${(e as Error).message}` } });
        else res.destroy();
      });
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

  private authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? "";
    const m = /^Bearer (.+)$/.exec(h);
    if (!m) return false;
    const a = Buffer.from(m[1]);
    const b = Buffer.from(this.node.rpcToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/rpc") {
      for (const h of this.handlers) if (await h(req, res, url)) return;
      this.reply(res, 404, { error: `no such path ${url.pathname}: JSON-RPC is at POST /rpc` });
      return;
    }
    if (req.method !== "POST") {
      this.reply(res, 405, { error: "JSON-RPC takes POST /rpc with a JSON body" }, { allow: "POST" });
      return;
    }
    if (!this.authorized(req)) {
      req.resume();
      this.reply(res, 401, {
        jsonrpc: "2.0",
        id: null,
        error: {
          code: RPC.INVALID_REQUEST,
          message: "unauthorized: send Authorization: Bearer <token> (the token is in <datadir>/rpc.cookie or --rpc-token)",
        },
      });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, this.maxBytes);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      this.reply(res, e.status, { error: e.message }, e.headers);
      req.destroy();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      this.reply(res, 200, { jsonrpc: "2.0", id: null, error: { code: RPC.PARSE, message: "parse error: the body is not valid JSON" } });
      return;
    }
    if (Array.isArray(body)) {
      if (body.length === 0) {
        this.reply(res, 200, { jsonrpc: "2.0", id: null, error: { code: RPC.INVALID_REQUEST, message: "empty batch" } });
        return;
      }
      const out = [];
      for (const r of body) out.push(await this.call(r));
      this.reply(res, 200, out);
      return;
    }
    this.reply(res, 200, await this.call(body));
  }

  private async call(req: unknown): Promise<unknown> {
    const r = req as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const id = r && typeof r === "object" && "id" in r ? (r.id ?? null) : null;
    try {
      if (!r || typeof r !== "object" || Array.isArray(r))
        throw new RpcError(RPC.INVALID_REQUEST, "invalid request: expected a JSON object");
      if (typeof r.method !== "string") throw new RpcError(RPC.INVALID_REQUEST, "invalid request: method must be a string");
      const params = r.params === undefined ? [] : r.params;
      if (!Array.isArray(params)) throw new RpcError(RPC.INVALID_REQUEST, "invalid request: params must be an array (positional)");
      const fn = Object.hasOwn(this.table, r.method) ? this.table[r.method] : undefined;
      if (!fn) throw new RpcError(RPC.METHOD_NOT_FOUND, `method not found: ${r.method}`);
      const result = await fn(params);
      return { jsonrpc: "2.0", id, result: result === undefined ? null : result };
    } catch (e) {
      if (e instanceof RpcError) {
        return { jsonrpc: "2.0", id, error: { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) } };
      }
      return { jsonrpc: "2.0", id, error: { code: RPC.INTERNAL, message: `internal error: ${(e as Error).message}` } };
    }
  }
}
