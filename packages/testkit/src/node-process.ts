import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Block, Hash } from "@utxolab/core";
import { type NextBlock, nextBlock } from "./blocks.js";
import { rpcRaw } from "./rpc.js";

/** The repository root (this file runs from packages/testkit/dist). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const CLI = join(REPO, "packages/cli/bin/utxolab.js");

export interface RpcFailure {
  code: number;
  message: string;
  data?: unknown;
}

export class RpcCallError extends Error {
  constructor(readonly error: RpcFailure) {
    super(`${error.code} ${error.message}${error.data ? `: ${JSON.stringify(error.data)}` : ""}`);
  }
}

export interface NodeOptions {
  args?: string[];
  datadir?: string;
  memory?: boolean;
  token?: string;
  /** no --rpc-token: the node writes <datadir>/rpc.cookie, which this helper then reads */
  cookie?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** A real `utxolab node` process on free loopback ports, with its output kept for assertions. */
export class NodeProcess {
  readonly output: string[] = [];
  rpcUrl = "";
  p2pUrl = "";
  exitCode: number | null | undefined;
  private exited: Promise<number | null>;
  private lineWaiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  private constructor(
    readonly proc: ChildProcess,
    public token: string,
    readonly datadir: string,
    private readonly ownsDir: boolean,
  ) {
    const onLine = (line: string) => {
      this.output.push(line);
      this.lineWaiters = this.lineWaiters.filter((w) => {
        const m = line.match(w.re);
        if (m) w.resolve(m);
        return !m;
      });
    };
    for (const stream of [proc.stdout, proc.stderr]) if (stream) createInterface({ input: stream }).on("line", onLine);
    this.exited = new Promise((r) =>
      proc.on("exit", (code) => {
        this.exitCode = code;
        r(code);
      }),
    );
  }

  static async start(opts: NodeOptions = {}): Promise<NodeProcess> {
    const ownsDir = !opts.datadir;
    const datadir = opts.datadir ?? mkdtempSync(join(tmpdir(), "utxolab-test-"));
    const token = opts.token ?? `test-token-${Math.random().toString(36).slice(2)}`;
    const args = [CLI, "node", "--datadir", datadir, "--rpc-port", "0", "--p2p-port", "0"];
    if (!opts.cookie) args.push("--rpc-token", token);
    if (opts.memory !== false) args.push("--memory");
    args.push(...(opts.args ?? []));
    const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
    const n = new NodeProcess(proc, token, datadir, ownsDir);
    const rpc = n.waitFor(/^rpc (http:\/\/\S+)\/rpc/);
    const p2p = n.waitFor(/^p2p (ws:\/\/\S+)/);
    const failed = n.exited.then((code) => {
      throw new Error(`node exited with ${code} before it was ready:\n${n.output.join("\n")}`);
    });
    n.rpcUrl = (await Promise.race([rpc, failed]))[1];
    n.p2pUrl = (await Promise.race([p2p, failed]))[1];
    await Promise.race([n.waitFor(/^chain at height/), failed]);
    if (opts.cookie) n.token = readFileSync(join(datadir, "rpc.cookie"), "utf8").trim();
    return n;
  }

  waitFor(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    for (const line of this.output) {
      const m = line.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`timed out waiting for ${re} in node output:\n${this.output.slice(-30).join("\n")}`)),
        timeoutMs,
      );
      this.lineWaiters.push({
        re,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  /** Raw JSON-RPC: returns the whole response object. */
  rpcRaw(method: string, params: unknown[] = [], token = this.token): Promise<{ status: number; body: any }> {
    return rpcRaw(this.rpcUrl, token, method, params);
  }

  /** The result, or throws RpcCallError with the node's code, reason and detail. */
  async rpc<T = any>(method: string, ...params: unknown[]): Promise<T> {
    const { status, body } = await this.rpcRaw(method, params);
    if (status !== 200) throw new Error(`HTTP ${status}: ${JSON.stringify(body)}`);
    if (body.error) throw new RpcCallError(body.error);
    return body.result as T;
  }

  /** The error of a call that must fail. */
  async rpcError(method: string, ...params: unknown[]): Promise<RpcFailure> {
    const { body } = await this.rpcRaw(method, params);
    if (!body.error) throw new Error(`${method} was expected to fail but returned ${JSON.stringify(body.result)}`);
    return body.error;
  }

  /**
   * A block another miner could make on `prev` at `height`: timed `after` seconds past the
   * node's template time (default: `height`), its coinbase claiming the subsidy (or `claim`).
   */
  async blockOn(prev: Hash, height: number, o: Omit<NextBlock, "time" | "height"> & { after?: number } = {}): Promise<Block> {
    const tpl = await this.rpc<{ time: number }>("getblocktemplate");
    const time = tpl.time + (o.after ?? height);
    return nextBlock({ hash: prev, height: height - 1, time }, { ...o, time });
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.exitCode === undefined) this.proc.kill(signal);
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.exitCode === undefined) {
      this.proc.kill("SIGTERM");
      const t = setTimeout(() => this.proc.kill("SIGKILL"), 10_000);
      await this.exited;
      clearTimeout(t);
    }
    if (this.ownsDir) rmSync(this.datadir, { recursive: true, force: true });
  }
}

/** Runs `utxolab ARGS...` to completion. */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill("SIGKILL");
      reject(new Error(`utxolab ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(opts.input ?? "");
  });
}
