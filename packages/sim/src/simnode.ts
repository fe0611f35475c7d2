import {
  type Amount,
  type Block,
  type BlockIndexEntry,
  buildBlock,
  ChainState,
  devnetAccounts,
  encodeTx,
  type Hash,
  type NetworkParams,
  type SigCache,
  subsidyAt,
  type Transaction,
  utf8,
} from "@utxolab/core";
import { Mempool } from "@utxolab/mempool";
import { type BlockSubmit, blockRefusal, type P2PHost, P2PNode, type TxSubmit, txRefusal } from "@utxolab/p2p";
import { type BlockBank, SimBackend } from "./bank.js";
import { type HeartbeatPace, SimClock } from "./clock.js";
import { type Network, urlOf } from "./network.js";
import type { Rng } from "./rng.js";
import type { Scheduler } from "./scheduler.js";

/** What the simulation wants to hear from a node. */
export interface NodeHooks {
  /** a block was stored by this node (first time); `own` when it mined it */
  accepted(node: SimNode, entry: BlockIndexEntry, own: boolean): void;
  /** the node's best chain changed */
  tipChanged(node: SimNode): void;
  reorg(node: SimNode, depth: number): void;
}

export interface SimNodeOptions {
  id: number;
  region: number;
  params: NetworkParams;
  sched: Scheduler;
  net: Network;
  bank: BlockBank;
  sigCache: SigCache;
  rng: Rng;
  hooks: NodeHooks;
  /** nodes to stay connected to */
  peers: number[];
  /** wall-clock ms at virtual time 0 */
  epochMs: number;
  /** time a node spends checking a block before it counts as received (models validation cost) */
  verifyMs: number;
  maxPeers: number;
  /** a ping per connection this often, virtual ms (default 2 h) */
  pingIntervalMs?: number;
  /** hashes each peer is remembered to know (default: the real node's 100,000) */
  knownInventory?: number;
  /** how the p2p heartbeat is paced (default: every 500 ms, as in a real node) */
  heartbeat?: HeartbeatPace;
}

/** Who is paid by simulated coinbases (the tag in the coinbase tells the miner). */
const PAYOUT = devnetAccounts()[9].pubkey;

/**
 * One simulated node: the real ChainState, Mempool and P2PNode over a
 * simulated transport and clock. Its store (SimBackend) outlives a crash; the
 * pool and connections do not, as with a real process.
 */
export class SimNode {
  readonly id: number;
  readonly url: string;
  readonly backend: SimBackend;
  chain!: ChainState;
  mempool!: Mempool;
  p2p!: P2PNode;
  clock!: SimClock;
  alive = false;
  /** own blocks not yet shown to peers (an attacker's private chain) */
  readonly hidden = new Set<Hash>();
  /** blocks this node mined */
  minedCount = 0;
  restarts = 0;
  /** called for every block this node accepts from a peer (attackers watch the public chain) */
  onPeerBlock?: (entry: BlockIndexEntry) => void;

  constructor(readonly o: SimNodeOptions) {
    this.id = o.id;
    this.url = urlOf(o.id);
    this.backend = new SimBackend(o.bank);
  }

  async start(): Promise<void> {
    const o = this.o;
    this.clock = new SimClock(o.sched, o.epochMs, o.heartbeat);
    const clock = this.clock;
    this.o.net.restart(this.id, () => clock.touch());
    this.chain = await ChainState.open(o.params, this.backend, { now: () => clock.seconds(), sigCache: o.sigCache });
    this.mempool = new Mempool(this.chain, { now: () => clock.seconds(), onListenerError: () => {} });
    this.chain.addListener({
      blockConnected: () => o.hooks.tipChanged(this),
      blockDisconnected: () => o.hooks.tipChanged(this),
      reorganized: (info) => o.hooks.reorg(this, info.depth),
    });
    this.p2p = new P2PNode(this.host(), {
      params: o.params,
      port: 18444,
      bind: this.url.slice(5, this.url.lastIndexOf(":")),
      peers: o.peers.map(urlOf),
      maxPeers: o.maxPeers,
      ...(o.knownInventory !== undefined ? { knownInventory: o.knownInventory } : {}),
      transport: o.net.transport(this.id),
      clock,
      randomHex: (n) => o.rng.hex(n),
      // Quiet timers: a ping every 2 h of virtual time per connection (at 30 min,
      // pings and pongs were 10 of a node's 26 messages per block); a crash is
      // seen as a dropped connection, so pings are not needed to notice it. The
      // heartbeat is paced by the clock (see SimClock); the stall timeout stays as real.
      pingIntervalMs: o.pingIntervalMs ?? 2 * 60 * 60_000,
      pingTimeoutMs: 30 * 60_000,
      handshakeTimeoutMs: 20 * 60_000,
      blockStallMs: 120_000,
      reconnectBaseMs: 1_000,
      reconnectMaxMs: 30_000,
    });
    await this.p2p.start();
    this.alive = true;
  }

  /** The process dies: timers stop, connections drop; the store stays. */
  crash(): void {
    if (!this.alive) return;
    this.alive = false;
    this.clock.kill();
    this.o.net.crash(this.id);
  }

  /** A new process on the same store: the chain is reloaded, the pool starts empty. */
  async restart(): Promise<void> {
    if (this.alive) return;
    this.restarts++;
    await this.start();
  }

  private host(): P2PHost {
    const chain = () => this.chain;
    const o = this.o;
    return {
      genesisHash: this.o.bank.genesisHash,
      userAgent: `/utxolab-sim:${this.id}/`,
      bestHeight: () => chain().height,
      locator: () => chain().locator(),
      // a private chain is not shown, not even its headers
      headersAfter: (locator: Hash[], stop: Hash | undefined, max: number) =>
        chain().headersAfter(locator, stop, max, (hash) => !this.hidden.has(hash)),
      hasBlock: (hash: Hash) => chain().getEntry(hash) !== undefined,
      getBlock: async (hash: Hash) => {
        if (this.hidden.has(hash)) return undefined;
        const e = chain().getEntry(hash);
        if (!e?.hasData) return undefined;
        return o.bank.raw(hash);
      },
      // as the real node (packages/node/src/peers.ts): a block nobody asked for is stored
      // only if it carries more work than the tip, so unasked side branches cost nothing
      submitBlock: async (
        decoded: Block,
        raw: Uint8Array,
        opts?: { unrequested?: boolean; towardMoreWork?: boolean },
      ): Promise<BlockSubmit> => {
        if (o.verifyMs > 0) await new Promise<void>((r) => this.clock.setTimeout(r, o.verifyMs));
        const block = o.bank.share(decoded, raw);
        const r = await chain().submitBlock(block, {
          requireMoreWork: opts?.unrequested === true,
          towardMoreWork: opts?.towardMoreWork === true,
        });
        if (r.ok) {
          const e = chain().getEntry(r.hash);
          if (e) {
            o.hooks.accepted(this, e, false);
            this.onPeerBlock?.(e);
          }
          return { ok: true, active: r.active };
        }
        return blockRefusal(r);
      },
      unhead: (hashes: Hash[]) => chain().unhead(hashes),
      hasTx: (id: Hash) => this.mempool.has(id),
      getTx: (id: Hash) => {
        const e = this.mempool.get(id);
        return e ? encodeTx(e.tx) : undefined;
      },
      submitTx: (tx: Transaction): TxSubmit => {
        const r = this.mempool.accept(tx, { allowOrphan: true });
        if (r.ok) {
          for (const id of r.orphansAccepted) this.p2p.announceTx(id);
          return { ok: true };
        }
        return txRefusal(r);
      },
      log: () => {},
    };
  }

  /** A transaction from a local wallet: into the pool and out to peers. */
  submitLocalTx(tx: Transaction): boolean {
    if (!this.alive) return false;
    const r = this.mempool.accept(tx);
    if (!r.ok) return false;
    this.p2p.announceTx(r.txid);
    for (const id of r.orphansAccepted) this.p2p.announceTx(id);
    return true;
  }

  /**
   * Builds a block on `parent` (default: the tip, with the pool's best
   * transactions), stores it, and unless `hide` announces it. Real proof of
   * work: devnet's target takes about two hashes.
   */
  async mine(tag: string, opts: { parent?: BlockIndexEntry; txs?: Transaction[]; hide?: boolean } = {}): Promise<BlockIndexEntry> {
    const c = this.chain;
    const parent = opts.parent ?? c.tip;
    let txs = opts.txs;
    let fees = 0n;
    if (!txs && parent === c.tip) {
      const t = this.mempool.template();
      txs = t.txs;
      fees = t.fees;
    }
    const height = parent.height + 1;
    const block = buildBlock(
      {
        prevHash: parent.hash,
        height,
        time: Math.max(c.medianTimePast(parent) + 1, this.clock.seconds()),
        coinbaseOutputs: [{ value: (subsidyAt(height, this.o.params) + fees) as Amount, pubkey: PAYOUT }],
        coinbaseExtra: utf8(tag),
        txs: txs ?? [],
      },
      this.o.params,
    );
    const r = await c.submitBlock(block);
    if (!r.ok) throw new Error(`node ${this.id} mined a block its own chain refused: ${r.reason} ${r.detail ?? ""}`);
    const e = c.getEntry(r.hash);
    if (!e) throw new Error("mined block missing from the index");
    this.minedCount++;
    if (opts.hide) this.hidden.add(e.hash);
    this.o.hooks.accepted(this, e, true);
    if (!opts.hide) this.p2p.announceBlock(e.hash);
    return e;
  }

  /** Shows hidden blocks up to and including `upTo` (parents first) and announces them. */
  publish(upTo: BlockIndexEntry): void {
    const path: BlockIndexEntry[] = [];
    for (let p: BlockIndexEntry | undefined = upTo; p && this.hidden.has(p.hash); p = p.parent) path.push(p);
    path.reverse();
    for (const e of path) this.hidden.delete(e.hash);
    for (const e of path) this.p2p.announceBlock(e.hash);
  }
}
