import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A JSON-RPC error answered by the node: `message` is SPEC §6/§7's reason, kept unchanged. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcError";
  }

  /** `reason: detail`, the way the node's logs show a refusal. */
  get display(): string {
    if (this.data === undefined || this.data === null || this.data === "") return this.message;
    return `${this.message}: ${typeof this.data === "string" ? this.data : JSON.stringify(this.data)}`;
  }
}

export class NodeUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause?: unknown,
    timeoutMs?: number,
  ) {
    super(
      timeoutMs === undefined
        ? `cannot reach the node at ${url}: is \`utxolab node\` running? pass --rpc URL`
        : `the node at ${url} did not answer within ${timeoutMs / 1000} s: is it overloaded or stuck? check its log, or pass --rpc URL`,
      { cause },
    );
    this.name = "NodeUnreachableError";
  }
}

export class RpcAuthError extends Error {
  constructor(
    readonly url: string,
    hint?: string,
  ) {
    super(`the node refused the token: pass --rpc-token or --datadir of that node${hint ? ` (${hint})` : ""}`);
    this.name = "RpcAuthError";
  }
}

/** The node answered, but not with JSON-RPC (wrong port, a proxy, a crash mid-answer). */
export class RpcProtocolError extends Error {
  constructor(url: string, what: string) {
    super(`the server at ${url} did not answer as a utxolab node (${what}): check --rpc`);
    this.name = "RpcProtocolError";
  }
}

export const DEFAULT_RPC_URL = "http://127.0.0.1:18443";

/** Accepts the node's base URL or one already ending in /rpc. */
export function rpcEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return trimmed.endsWith("/rpc") ? trimmed : `${trimmed}/rpc`;
}

export interface RpcClientOptions {
  url: string;
  token?: string;
  /** said in the 401 message, e.g. where the token came from */
  tokenHint?: string;
  timeoutMs?: number;
}

export class RpcClient {
  readonly endpoint: string;
  private readonly token?: string;
  private readonly tokenHint?: string;
  private readonly timeoutMs: number;
  private nextId = 1;

  constructor(opts: RpcClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(opts.url);
    } catch {
      throw new TypeError(`--rpc ${JSON.stringify(opts.url)} is not a URL; give the node's address, e.g. ${DEFAULT_RPC_URL}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`--rpc ${opts.url} must be an http:// URL, e.g. ${DEFAULT_RPC_URL}`);
    }
    this.endpoint = rpcEndpoint(opts.url);
    this.token = opts.token;
    this.tokenHint = opts.tokenHint;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const id = this.nextId++;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new NodeUnreachableError(this.endpoint, e, timedOut(e) ? this.timeoutMs : undefined);
    }
    if (res.status === 401) {
      await res.body?.cancel();
      throw new RpcAuthError(this.endpoint, this.tokenHint);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new NodeUnreachableError(this.endpoint, e, timedOut(e) ? this.timeoutMs : undefined);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new RpcProtocolError(this.endpoint, `HTTP ${res.status}, body is not JSON`);
    }
    if (typeof body !== "object" || body === null) throw new RpcProtocolError(this.endpoint, `HTTP ${res.status}, not a JSON-RPC object`);
    const b = body as { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } | null };
    if (b.error) {
      const code = typeof b.error.code === "number" ? b.error.code : 0;
      const message = typeof b.error.message === "string" ? b.error.message : JSON.stringify(b.error);
      throw new RpcError(code, message, b.error.data);
    }
    if (!("result" in b)) throw new RpcProtocolError(this.endpoint, `HTTP ${res.status}, neither result nor error`);
    return b.result as T;
  }
}

const timedOut = (e: unknown): boolean => e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");

export const COOKIE_FILE = "rpc.cookie";

/** The token the node wrote at start. Throws a message that says what to do when it is missing. */
export function readCookie(datadir: string): string {
  const file = join(datadir, COOKIE_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error(`no RPC cookie at ${file}: start \`utxolab node --datadir ${datadir}\`, or pass --rpc-token`);
    }
    throw new Error(`cannot read the RPC cookie ${file} (${code ?? String(e)}): pass --rpc-token instead`);
  }
  const token = text.trim();
  if (token === "") throw new Error(`the RPC cookie ${file} is empty: restart the node, or pass --rpc-token`);
  return token;
}
