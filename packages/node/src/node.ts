import { randomBytes } from "node:crypto";
import { closeSync, constants, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type Block,
  ChainState,
  type Coin,
  checkTransaction,
  decodeAddress,
  genesisHash,
  type NetworkParams,
  networkByName,
  type SubmitOptions,
  type SubmitResult,
  type Transaction,
  txid,
  txSigJobs,
} from "@utxolab/core";
import { defaultVerifyThreads, startVerification, type Verification, type VerifierChoice } from "@utxolab/core/native";
import { type AcceptResult, Mempool } from "@utxolab/mempool";
import { ensureDatadir, type KvDb, openStore, type Store, type StoreError } from "@utxolab/store";
import { ChainIndex } from "./chainindex.js";
import { NodeClock } from "./clock.js";
import { EventBus, formatEvent, type NodeEvent } from "./events.js";
import { loadChainFile } from "./fixtures.js";
import { RateLimitedLog, type RateLimitOptions } from "./logger.js";
import { loadMempoolFile, MempoolSaver } from "./mempool-file.js";
import { Miner } from "./miner.js";
import type { NodeParts } from "./parts.js";
import { createPeerLayer, type PeerLayer } from "./peers.js";
import { PoolPayments } from "./poolpayments.js";
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
  /** a chain file written by the `dumpchain` RPC: its blocks are submitted at start */
  loadChain?: string;
  /** more host names the web page and API answer to besides the bound address and localhost (`--allow-host`; "*": any) */
  allowHosts?: string[];
  /** pages of other origins that may post to /api/tx and watch /api/events (`--web-origin`; "*": every page, the devnet opened on purpose) */
  webOrigins?: string[];
  /** rebuild the block index and the UTXO set from the stored blocks before starting (`--reindex`) */
  reindex?: boolean;
  /** salvage a damaged chain database (LevelDB repair, then a reindex) before starting (`--repair`) */
  repair?: boolean;
  /**
   * keep the pool in <datadir>/mempool.dat across restarts (default: true, false with --memory):
   * saved on stop and every `mempoolSaveIntervalMs` while it changes, reloaded and checked again at start
   */
  persistMempool?: boolean;
  /** default 10,000; 0 saves only on stop */
  mempoolSaveIntervalMs?: number;
  /** sees the chain database before the store does: for tests that inject disk faults */
  wrapDb?: (db: KvDb) => KvDb;
  /** how long a misbehaving peer is refused, seconds (default 600; `--ban-time`) */
  banSeconds?: number;
  /** rate limit of log lines peers can cause (refusals, peer events) */
  logLimit?: RateLimitOptions;
  /** BIP340 backend: "auto" (default) is the fastest that loads, libsecp256k1 else noble */
  verifier?: VerifierChoice;
  /** signature-checking worker threads; default one per core, 0 checks on the main thread */
  verifyThreads?: number;
}

/** Which BIP340 backend checks signatures, on how many threads (getmemoryinfo, getnetworkinfo, the start-up line). */
export interface VerifierInfo {
  backend: string;
  threads: number;
}

export class ConfigError extends Error {}

export const DEFAULT_RPC_PORT = 18443;
export const DEFAULT_P2P_PORT = 18444;
export const DEFAULT_MEMPOOL_SAVE_INTERVAL_MS = 10_000;

/**
 * Writes a file of the node's own (the RPC cookie, node.json) without following a link someone
 * planted at `path`: a new file is created exclusively next to it (O_EXCL | O_NOFOLLOW, the mode
 * set at creation) and renamed over `path`, which replaces a link instead of writing through it.
 */
export function writeOwnFile(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function defaultDatadir(network = "devnet"): string {
  return process.env.UTXOLAB_DATADIR ? resolve(process.env.UTXOLAB_DATADIR) : join(homedir(), ".utxolab", network);
}

/** A node `start` has returned: its RPC server and peer layer are up (they stay set after `stop`, closed). */
export type StartedNode = UtxoNode & { readonly rpc: RpcServer; readonly peers: PeerLayer };

/** A running node: chain state on a store, a pool, a miner, peers and the RPC/web server. */
export class UtxoNode implements NodeParts {
  readonly events = new EventBus();
  readonly index = new ChainIndex();
  readonly miner: Miner;
  /** what the pool will pay each key, kept as transactions come and go */
  readonly poolPayments: PoolPayments;
  readonly startedAt = Date.now();
  /** the RPC and web server: set while the node starts, before any call can arrive */
  rpc: RpcServer | undefined;
  /** the peer layer: started after the RPC server, so early callers find none */
  peers: PeerLayer | undefined;
  rpcToken = "";
  /** called after `stop` (RPC) has shut the node down; the program exits there */
  onStopped: (() => void) | undefined;
  /** called after a failed storage write has shut the node down; the program exits non-zero there */
  onFatal: ((e: StoreError) => void) | undefined;
  /** the storage error that stopped the node, if one did */
  failure: StoreError | undefined;
  cookiePath: string | undefined;
  private stopping: Promise<void> | undefined;
  private readonly tempDir: string | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private poolSaver: MempoolSaver | undefined;
  /** the node's clock, whole unix seconds */
  readonly now: () => number;

  private constructor(
    readonly config: NodeConfig,
    readonly params: NetworkParams,
    readonly datadir: string,
    readonly store: Store,
    readonly chain: ChainState,
    readonly mempool: Mempool,
    tempDir: string | undefined,
    readonly clock: NodeClock,
    readonly verification: Verification,
  ) {
    this.tempDir = tempDir;
    this.now = () => clock.now();
    this.poolPayments = new PoolPayments(mempool);
    this.miner = new Miner(this);
  }

  static async start(config: NodeConfig): Promise<StartedNode> {
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
    if ((config.repair || config.reindex) && config.memory)
      throw new ConfigError("--repair and --reindex work on a datadir's stored chain, not with --memory");
    const threads = config.verifyThreads ?? defaultVerifyThreads();
    if (!Number.isInteger(threads) || threads < 0 || threads > 256) {
      throw new ConfigError(`--verify-threads ${threads}: give 0 (check on the main thread) to 256`);
    }
    const env = process.env.UTXOLAB_VERIFIER;
    if (!config.verifier && env !== undefined && env !== "noble" && env !== "libsecp256k1") {
      throw new ConfigError(`UTXOLAB_VERIFIER=${env}: set it to noble or libsecp256k1, or unset it for the fastest that loads`);
    }
    const choice: VerifierChoice = config.verifier ?? (env as VerifierChoice | undefined) ?? "auto";
    let tempDir: string | undefined;
    let datadir: string;
    if (config.datadir) datadir = resolve(config.datadir);
    else if (config.memory) datadir = tempDir = mkdtempSync(join(tmpdir(), "utxolab-memory-"));
    else datadir = defaultDatadir(network);
    ensureDatadir(datadir);
    const nodeClock = new NodeClock(config.now);
    const clock = () => nodeClock.now();
    const log = config.log ?? ((l: string) => console.log(l));
    // a --memory node's temporary datadir goes with a start that fails before the node exists
    const dropTemp = () => {
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    };
    const verification = await startVerification(choice, threads).catch((e: Error) => {
      dropTemp();
      throw new ConfigError(e.message);
    });
    let store: Store;
    try {
      store = await openStore({
        dir: datadir,
        memory: config.memory,
        params,
        wrap: config.wrapDb,
        repair: config.repair,
        onRepair: log,
      });
    } catch (e) {
      await verification.close();
      dropTemp();
      throw e;
    }
    let node: UtxoNode;
    try {
      if (config.reindex || config.repair) {
        const r = await store.reindex();
        for (const s of r.skipped) log(`reindex: left out ${s}`);
        log(`reindex: ${r.blocks} stored blocks indexed (up to height ${r.height}); connecting and checking them again`);
      }
      const chain = await ChainState.open(params, store, { now: clock, verifier: verification.verifier });
      const mempool = new Mempool(chain, {
        now: clock,
        ...(config.mempoolMaxBytes ? { maxBytes: config.mempoolMaxBytes } : {}),
      });
      node = new UtxoNode(config, params, datadir, store, chain, mempool, tempDir, nodeClock, verification);
    } catch (e) {
      await store.close().catch(() => undefined);
      await verification.close();
      dropTemp();
      throw e;
    }
    try {
      // lines a peer can cause are rate-limited and stripped of control characters
      const eventLog = new RateLimitedLog(log, config.logLimit);
      node.events.on((e) => eventLog.log(e, formatEvent(e)));
      store.onFatal((e) => node.storageFailed(e));
      const v = node.verifierInfo();
      node.info(
        `signatures: ${v.backend}, ${v.threads === 0 ? "on the main thread" : `${v.threads} verification thread${v.threads === 1 ? "" : "s"}`}`,
      );
      node.wire();
      await node.index.rebuild(node.chain);
      if (config.loadChain) await loadChainFile(node, config.loadChain);
      if (config.persistMempool ?? !config.memory) await node.loadPool(log);
      node.rpcToken = config.rpcToken ?? randomBytes(32).toString("hex");
      const rpc = new RpcServer(node);
      node.rpc = rpc;
      if (config.web !== false) await (await import("./web/index.js")).attachWeb(node);
      await rpc.listen(config.rpcPort ?? DEFAULT_RPC_PORT, config.rpcBind ?? "127.0.0.1");
      if (!config.rpcToken) {
        node.cookiePath = join(datadir, "rpc.cookie");
        writeOwnFile(node.cookiePath, node.rpcToken, 0o600);
      }
      const peers = await createPeerLayer(node, {
        port: config.p2pPort ?? DEFAULT_P2P_PORT,
        bind: config.p2pBind ?? "127.0.0.1",
        peers: config.peers ?? [],
        ...(config.banSeconds !== undefined ? { banSeconds: config.banSeconds } : {}),
      });
      node.peers = peers;
      writeOwnFile(
        join(datadir, "node.json"),
        `${JSON.stringify({ pid: process.pid, rpcUrl: rpc.url, p2pUrl: peers.url, webUrl: rpc.url, cookie: node.cookiePath ?? null }, null, 2)}\n`,
        0o644,
      );
      if (mineTo) {
        if (config.automine) node.miner.enableAutomine(mineTo);
        if (config.mineIntervalMs) node.miner.startInterval(config.mineIntervalMs, mineTo);
      }
      node.poolSaver?.start(config.mempoolSaveIntervalMs ?? DEFAULT_MEMPOOL_SAVE_INTERVAL_MS);
      node.expiryTimer = setInterval(() => node.mempool.expire(node.now()), 60_000);
      node.expiryTimer.unref();
    } catch (e) {
      // a port in use or a bad peer URL: release the store, the RPC port and the cookie so a retry can start
      await node.stop().catch(() => undefined);
      throw e;
    }
    return node as StartedNode;
  }

  /**
   * A write the store could not make: stop at once, as Bitcoin Core does after a fatal write
   * error. The store already refuses every later write, so no block or transaction is
   * acknowledged that would be missing after a restart.
   */
  private storageFailed(e: StoreError): void {
    if (this.failure) return;
    this.failure = e;
    this.info(`fatal storage error: ${e.message}; the node stops so nothing unsaved is acknowledged`);
    // A moment's grace so the call whose write failed gets its error reply before the server closes.
    setTimeout(() => {
      void this.stop()
        .catch(() => undefined)
        .then(() => this.onFatal?.(e));
    }, 100);
  }

  /** Reads mempool.dat back: every transaction is checked again against the chain as it is now. */
  private async loadPool(log: (line: string) => void): Promise<void> {
    const saver = new MempoolSaver(join(this.datadir, "mempool.dat"), this.mempool, log);
    // a full pool's transactions plus their times, with room to spare
    const loaded = await loadMempoolFile(saver.path, 2 * this.mempool.maxBytes + 1_000_000);
    if (loaded.kind === "damaged") {
      log(`${saver.path} is damaged (${loaded.why}); moved it to ${loaded.movedTo} and starting with an empty pool`);
    } else if (loaded.kind === "loaded") {
      const now = this.now();
      let accepted = 0;
      for (const s of loaded.txs) if (this.mempool.accept(s.tx, { enteredAt: Math.min(s.time, now) }).ok) accepted++;
      accepted -= this.mempool.expire(now).length;
      log(
        `pool: ${accepted} of ${loaded.txs.length} transactions from ${saver.path} accepted again${accepted < loaded.txs.length ? " (the others are confirmed, conflict, expired or no longer valid)" : ""}`,
      );
    }
    this.poolSaver = saver;
    this.mempool.addListener({ accepted: () => saver.touch(), removed: () => saver.touch() });
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
        this.poolPayments.accepted(e);
        this.peers?.announceTx(e.txid);
      },
      removed: (e, why) => {
        this.poolPayments.removed(e);
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

  verifierInfo(): VerifierInfo {
    return { backend: this.verification.backend.name, threads: this.verification.threads };
  }

  /**
   * submitTx with the signatures checked first on the verification threads, off the
   * event loop and side by side with other submissions. Verified, the txid enters the
   * signature cache and the pool's rules skip them; otherwise the pool's rules run as
   * ever and give the exact reason.
   */
  async submitTxVerified(tx: Transaction, source: string, opts: { allowOrphan?: boolean } = {}): Promise<AcceptResult> {
    await this.preverify(tx).catch(() => undefined);
    return this.submitTx(tx, source, opts);
  }

  private async preverify(tx: Transaction): Promise<void> {
    if (this.verification.threads === 0 || this.stopping) return;
    if (!checkTransaction(tx, this.params).ok || tx.inputs.length === 0) return;
    // over the pool's signature budget it is refused before any signature is checked: so not here either
    if (tx.inputs.length > this.mempool.maxTxSigs) return;
    const id = txid(tx);
    if (this.chain.sigCache.has(id)) return;
    const spent: Coin[] = [];
    for (const inp of tx.inputs) {
      const c = this.mempool.getCoin(inp.prevTxid, inp.vout);
      if (!c) return;
      spent.push(c);
    }
    // A txid names its outpoints and each outpoint one fixed coin, so the check holds wherever the tx is checked later.
    if ((await this.verification.verifier.firstFailure(txSigJobs(tx, spent))) < 0) this.chain.sigCache.add(id);
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
      // the block being checked finishes (the pool drains it), then the threads end
      await this.chain.run(() => undefined).catch(() => undefined);
      await this.poolSaver?.close();
      await this.verification.close();
      await this.store.close();
      if (this.cookiePath) rmSync(this.cookiePath, { force: true });
      if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }
}
