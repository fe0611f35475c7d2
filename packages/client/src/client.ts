import { type DiscoverOptions, discoverNode } from "./discover.js";
import { RpcError } from "./errors.js";
import type { BlockHeaderVerbose, BlockVerbose, MethodName, ParamsOf, RawMempoolVerboseEntry, ResultOf, TxVerbose } from "./methods.js";

export interface RpcClientOptions {
  url: string;
  token?: string;
  /** said in the 401 message, e.g. where the token came from */
  tokenHint?: string;
  timeoutMs?: number;
}

/** One call of a batch, and its answer: the result, or the node's refusal. */
export type BatchAnswer<T = unknown> = { ok: true; result: T } | { ok: false; error: RpcError };

/** Accepts the node's base URL or one already ending in /rpc. */
export function rpcEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return trimmed.endsWith("/rpc") ? trimmed : `${trimmed}/rpc`;
}

const timedOut = (e: unknown): boolean => e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");

/** A JSON-RPC 2.0 client for a UTXOLab node: typed methods, one error class. */
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
      throw new TypeError(`--rpc ${JSON.stringify(opts.url)} is not a URL; give the node's address, e.g. http://127.0.0.1:18443`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`--rpc ${opts.url} must be an http:// URL, e.g. http://127.0.0.1:18443`);
    }
    this.endpoint = rpcEndpoint(opts.url);
    this.token = opts.token;
    this.tokenHint = opts.tokenHint;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  /** A client for the node of a datadir: URL from its node.json, token from its rpc.cookie (see discoverNode). */
  static fromDatadir(opts: DiscoverOptions & { timeoutMs?: number } = {}): RpcClient {
    const d = discoverNode(opts);
    return new RpcClient({ url: d.url, token: d.token, tokenHint: d.tokenHint, timeoutMs: opts.timeoutMs });
  }

  /** Calls a method; its parameters and result are typed from RpcMethods. */
  call<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>>;
  /** Calls any method name, with the result type the caller states. */
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  async call(method: string, params: unknown[] = []): Promise<unknown> {
    const body = await this.post({ jsonrpc: "2.0", id: this.nextId++, method, params });
    return answerOf(body, this.endpoint);
  }

  /**
   * Several calls in one JSON-RPC batch: the node runs them one after another without
   * pausing, so nothing (a miner) runs between them. Answers come back in call order.
   */
  async batch(calls: readonly { method: string; params?: unknown[] }[]): Promise<BatchAnswer[]> {
    const first = this.nextId;
    this.nextId += calls.length;
    const body = await this.post(calls.map((c, i) => ({ jsonrpc: "2.0", id: first + i, method: c.method, params: c.params ?? [] })));
    if (!Array.isArray(body)) return calls.map(() => ({ ok: false, error: errorOf(body, this.endpoint) }));
    return calls.map((_, i) => {
      const a = body.find((x) => typeof x === "object" && x !== null && (x as { id?: unknown }).id === first + i);
      if (!a) return { ok: false, error: RpcError.protocol(this.endpoint, `batch call ${i} unanswered`) };
      try {
        return { ok: true, result: answerOf(a, this.endpoint) };
      } catch (e) {
        return { ok: false, error: e as RpcError };
      }
    });
  }

  getBlockVerbose(hash: string): Promise<BlockVerbose> {
    return this.call<BlockVerbose>("getblock", [hash, true]);
  }

  getBlockHeaderVerbose(hash: string): Promise<BlockHeaderVerbose> {
    return this.call<BlockHeaderVerbose>("getblockheader", [hash, true]);
  }

  getRawTransactionVerbose(txid: string): Promise<TxVerbose> {
    return this.call<TxVerbose>("getrawtransaction", [txid, true]);
  }

  getRawMempoolVerbose(): Promise<Record<string, RawMempoolVerboseEntry>> {
    return this.call<Record<string, RawMempoolVerboseEntry>>("getrawmempool", [true]);
  }

  private async post(payload: unknown): Promise<unknown> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw timedOut(e) ? RpcError.timeout(this.endpoint, this.timeoutMs, e) : RpcError.unreachable(this.endpoint, e);
    }
    if (res.status === 401) {
      await res.body?.cancel();
      throw RpcError.unauthorized(this.tokenHint);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw timedOut(e) ? RpcError.timeout(this.endpoint, this.timeoutMs, e) : RpcError.unreachable(this.endpoint, e);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw RpcError.protocol(this.endpoint, `HTTP ${res.status}, body is not JSON`);
    }
  }
}

function errorOf(body: unknown, endpoint: string): RpcError {
  const b = body as { error?: { code?: unknown; message?: unknown; data?: unknown } | null };
  if (typeof b !== "object" || b === null || !b.error) return RpcError.protocol(endpoint, "not a JSON-RPC answer");
  const code = typeof b.error.code === "number" ? b.error.code : 0;
  const message = typeof b.error.message === "string" ? b.error.message : JSON.stringify(b.error);
  return RpcError.refusal({ code, message, data: b.error.data });
}

function answerOf(body: unknown, endpoint: string): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw RpcError.protocol(endpoint, "not a JSON-RPC object");
  const b = body as { result?: unknown; error?: unknown };
  if (b.error) throw errorOf(body, endpoint);
  if (!("result" in b)) throw RpcError.protocol(endpoint, "neither result nor error");
  return b.result;
}
