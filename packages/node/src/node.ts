import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type Block,
  ChainState,
  decodeAddress,
  genesisHash,
  type NetworkParams,
  networkByName,
  type SubmitOptions,
  type SubmitResult,
  type Transaction,
  txid,
} from "@utxolab/core";
import { type AcceptResult, Mempool } from "@utxolab/mempool";
import { openStore, type Store } from "@utxolab/store";
import { ChainIndex } from "./chainindex.js";
import { EventBus, formatEvent, type NodeEvent } from "./events.js";
import { RateLimitedLog, type RateLimitOptions } from "./logger.js";
import { Miner } from "./miner.js";
import { createPeerLayer, type PeerLayer } from "./peers.js";
import { RpcServer } from "./rpc/server.js";

export interface NodeConfig {
  /** where the chain, the cookie and wallets live; default ~/.utxolab/<network> */
  datadir?: string;
  /** keep the chain in memory only */
  memory?: boolean;
  network?: string;
  rpcPort?: number;
  rpcBind?: string;
  rpcToken?: string;
  p2pPort?: number;
  p2pBind?: string;
  peers?: string[];
  mineTo?: string;
  automine?: boolean;
  mineIntervalMs?: number;
  /** unix seconds; tests move the clock */
  now?: () => number;
  /** one line per event; default console.log */
  log?: (line: string) => void;
  /** the pool's limit in bytes of transactions */
  mempoolMaxBytes?: number;
  /** serve the workshop page (default true) */
  web?: boolean;
  /** how long a misbehaving peer is refused, seconds (default 600; `--ban-time`) */
  banSeconds?: number;
  /** rate limit of log lines peers can cause (refusals, peer events) */
  logLimit?: RateLimitOptions;
}

export class ConfigError extends Error {}

export const DEFAULT_RPC_PORT = 18443;
export const DEFAULT_P2P_PORT = 18444;

export function defaultDatadir(network = "devnet"): string {
  return process.env.UTXOLAB_DATADIR ? resolve(process.env.UTXOLAB_DATADIR) : join(homedir(), ".utxolab", network);
}

/** A running node: chain state on a store, a pool, a miner, peers and the RPC/web server. */
export class UtxoNode {
  readonly events = new EventBus();
  readonly index = new ChainIndex();
  readonly miner: Miner;
  readonly startedAt = Date.now();
  rpc!: RpcServer;
  peers!: PeerLayer;
  rpcToken = "";
  /** called after `stop` (RPC) has shut the node down; the program exits there */
  onStopped: (() => void) | undefined;
  cookiePath: string | undefined;
  private stopping: Promise<void> | undefined;
  private readonly tempDir: string | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  readonly now: () => number;

  private constructor(
    readonly config: NodeConfig,
    readonly params: NetworkParams,
    readonly datadir: string,
    readonly store: Store,
    readonly chain: ChainState,
    readonly mempool: Mempool,
    tempDir: string | undefined,
  ) {
    this.tempDir = tempDir;
    this.now = config.now ?? (() => Date.now() / 1000);
    this.miner = new Miner(this);
  }

  static async start(config: NodeConfig): Promise<UtxoNode> {
    const network = config.network ?? "devnet";
    const params = networkByName(network);
    if (!params) throw new ConfigError(`unknown network "${network}": the only network is "devnet"`);
    let mineTo: Uint8Array | undefined;
    if (config.mineTo) {
      const d = decodeAddress(config.mineTo, params.hrp);
      if (!d.ok) throw new ConfigError(`--mine-to: ${d.error}`);
      mineTo = d.pubkey;
    }
    if ((config.automine || config.mineIntervalMs) && !mineTo) {
      throw new ConfigError("--automine and --mine-interval need --mine-to ADDRESS (who gets the block rewards)");
    }
    if (config.rpcToken === "") {
      // every call would be refused with 401: an unset shell variable, most likely
      throw new ConfigError("--rpc-token is empty: give a token, or leave the option out to use <datadir>/rpc.cookie");
    }
    let tempDir: string | undefined;
    let datadir: string;
    if (config.datadir) datadir = resolve(config.datadir);
    else if (config.memory) datadir = tempDir = mkdtempSync(join(tmpdir(), "utxolab-memory-"));
    else datadir = defaultDatadir(network);
    mkdirSync(datadir, { recursive: true });
    const clock = config.now ?? (() => Date.now() / 1000);
    const store = await openStore({ dir: datadir, memory: config.memory, params });
    let node: UtxoNode;
    try {
      const chain = await ChainState.open(params, store, { now: () => Math.floor(clock()) });
      const mempool = new Mempool(chain, {
        now: () => Math.floor(clock()),
        ...(config.mempoolMaxBytes ? { maxBytes: config.mempoolMaxBytes } : {}),
      });
      node = new UtxoNode(config, params, datadir, store, chain, mempool, tempDir);
    } catch (e) {
      await store.close().catch(() => undefined);
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      throw e;
    }
    try {
      const log = new RateLimitedLog(config.log ?? ((l: string) => console.log(l)), config.logLimit);
      node.events.on((e) => log.log(e, formatEvent(e)));
      node.wire();
      await node.index.rebuild(node.chain);
      node.rpcToken = config.rpcToken ?? randomBytes(32).toString("hex");
      node.rpc = new RpcServer(node);
      if (config.web !== false) (await import("./web/index.js")).attachWeb(node);
      await node.rpc.listen(config.rpcPort ?? DEFAULT_RPC_PORT, config.rpcBind ?? "127.0.0.1");
      if (!config.rpcToken) {
        node.cookiePath = join(datadir, "rpc.cookie");
        writeFileSync(node.cookiePath, node.rpcToken, { mode: 0o600 });
        chmodSync(node.cookiePath, 0o600);
      }
      node.peers = await createPeerLayer(node, {
        port: config.p2pPort ?? DEFAULT_P2P_PORT,
        bind: config.p2pBind ?? "127.0.0.1",
        peers: config.peers ?? [],
        ...(config.banSeconds !== undefined ? { banSeconds: config.banSeconds } : {}),
      });
      writeFileSync(
        join(datadir, "node.json"),
        `${JSON.stringify({ pid: process.pid, rpcUrl: node.rpc.url, p2pUrl: node.peers.url, webUrl: node.rpc.url, cookie: node.cookiePath ?? null }, null, 2)}\n`,
      );
      if (mineTo) {
        if (config.automine) node.miner.enableAutomine(mineTo);
        if (config.mineIntervalMs) node.miner.startInterval(config.mineIntervalMs, mineTo);
      }
      node.expiryTimer = setInterval(() => node.mempool.expire(Math.floor(node.now())), 60_000);
      node.expiryTimer.unref();
    } catch (e) {
      // a port in use or a bad peer URL: release the store, the RPC port and the cookie so a retry can start
      await node.stop().catch(() => undefined);
      throw e;
    }
    return node;
  }

  info(line: string): void {
    this.events.emit({ type: "info", line });
  }

  private wire(): void {
    this.chain.addListener({
      blockConnected: ({ entry, block, fees }) => {
        this.index.add(entry, block);
        this.events.emit({
          type: "block",
          height: entry.height,
          hash: entry.hash,
          txs: block.txs.length,
          fees,
          time: entry.header.time,
          size: entry.size,
        });
        this.peers?.announceBlock(entry.hash);
      },
      blockDisconnected: (entry, block) => {
        this.index.remove(block);
        this.events.emit({ type: "block-disconnected", height: entry.height, hash: entry.hash });
      },
      reorganized: (r) => {
        // A switch that failed back onto the same tip is no reorganization to report (the pool still hears of it).
        if (r.from === r.to) return;
        this.events.emit({
          type: "reorg",
          from: { hash: r.from.hash, height: r.from.height },
          to: { hash: r.to.hash, height: r.to.height },
          fork: { hash: r.fork.hash, height: r.fork.height },
          depth: r.depth,
        });
      },
    });
    this.mempool.addListener({
      accepted: (e) => {
        this.peers?.announceTx(e.txid);
      },
      removed: (e, why) => {
        if (why !== "block") this.events.emit({ type: "tx-removed", txid: e.txid, why });
      },
    });
  }

  /** Every block, from any source, enters here: the chain decides, the log tells. */
  async submitBlock(block: Block, source: string, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const r = await this.chain.submitBlock(block, opts);
    if (!r.ok && r.reason !== "duplicate") {
      this.events.emit({ type: "block-rejected", hash: r.hash ?? "", reason: r.reason, detail: r.detail, source });
    }
    return r;
  }

  /** Every loose transaction enters here. */
  submitTx(tx: Transaction, source: string, opts: { allowOrphan?: boolean } = {}): AcceptResult {
    const r = this.mempool.accept(tx, { allowOrphan: opts.allowOrphan });
    if (r.ok) {
      this.events.emit({ type: "tx", txid: r.txid, fee: r.fee, size: r.size, source });
      for (const id of r.orphansAccepted ?? []) {
        const e = this.mempool.get(id);
        if (e) this.events.emit({ type: "tx", txid: id, fee: e.fee, size: e.size, source: `${source} (orphan)` });
      }
    } else if (!(r.orphaned && source !== "rpc")) {
      this.events.emit({ type: "tx-rejected", txid: r.txid ?? txid(tx), reason: r.reason, detail: r.detail, source });
    }
    return r;
  }

  get genesisHash() {
    return genesisHash(this.params);
  }

  emit(e: NodeEvent): void {
    this.events.emit(e);
  }

  /** Stop accepting, finish what the chain is doing, flush and close. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.miner.stop();
      if (this.expiryTimer) clearInterval(this.expiryTimer);
      await this.rpc?.close().catch(() => undefined);
      await this.peers?.close().catch(() => undefined);
      await this.chain.run(() => undefined).catch(() => undefined);
      await this.store.close();
      if (this.cookiePath) rmSync(this.cookiePath, { force: true });
      if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }
}
