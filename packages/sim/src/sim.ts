import { type BlockIndexEntry, DEVNET, genesisBlock, genesisHash, type Hash, type NetworkParams, SigCache } from "@utxolab/core";
import { BlockBank } from "./bank.js";
import type { HeartbeatPace } from "./clock.js";
import { checkInvariants, type InvariantReport } from "./invariants.js";
import { type LinkFault, Network } from "./network.js";
import { NODE_SHARE, REGIONS } from "./regions.js";
import { Rng } from "./rng.js";
import { Scheduler } from "./scheduler.js";
import { type NodeHooks, SimNode } from "./simnode.js";
import { Trace } from "./trace.js";
import { txLoad } from "./txpool.js";

/** A fault on the schedule; times in virtual ms from the start. */
export type FaultSpec =
  | { at: number; kind: "partition"; groups: number[][] }
  | { at: number; kind: "heal" }
  | { at: number; kind: "crash"; node: number }
  | { at: number; kind: "restart"; node: number }
  /** the links between a and b are slow (latency × factor, bandwidth ÷ factor) until `until` */
  | { at: number; kind: "slow"; a: number; b: number; factor: number; until: number }
  /** every link loses and reorders messages until `until` */
  | { at: number; kind: "lossy"; loss: number; reorderMs: number; until: number };

export interface SimConfig {
  seed: number;
  nodes: number;
  /** connections each node dials (Bitcoin Core: 8) */
  outbound?: number;
  maxPeers?: number;
  /** mean time between blocks, virtual ms (default 600,000) */
  blockIntervalMs?: number;
  /** blocks to find before the run settles */
  blocks: number;
  /** honest mining nodes, equal hash shares (default min(nodes, 20)); ignored when `miners` is set by the scenario */
  minerCount?: number;
  /** transactions sent per block interval on average (default 2) */
  txPerBlock?: number;
  /** bytes each block message is charged beyond its real size (bigger blocks) */
  blockPadBytes?: number;
  /** validation time per block and node (default 0) */
  verifyMs?: number;
  /**
   * how each node's p2p heartbeat is paced (a real node's runs every 500 ms;
   * default DEFAULT_HEARTBEAT: every 5 s while the node has traffic, every 60 s when idle)
   */
  heartbeat?: HeartbeatPace;
  /**
   * hashes each node remembers per peer as known to it (default 100; a real
   * node's remember 100,000). Memory is nodes × peers × this; forgetting an old
   * hash at worst announces it again to a peer that ignores it.
   */
  knownInventory?: number;
  /** a ping per connection this often, virtual ms (default 2 h; real nodes: 15 s) */
  pingIntervalMs?: number;
  faults?: FaultSpec[];
  /** JSON-lines trace for replay */
  traceFile?: string;
  /** called now and then with blocks found so far */
  progress?: (found: number, total: number) => void;
  params?: NetworkParams;
  /** a signature cache shared by every node (and, if passed in, by several runs) */
  sigCache?: SigCache;
  /** who dials whom (default: each node dials `outbound` random others) */
  topology?: number[][];
  /** region of each node (default: drawn from NODE_SHARE) */
  regions?: number[];
  /** adjusts the network before the nodes start (fixed latencies) */
  network?: (net: Network) => void;
}

/** Something that finds blocks with a share of the hash power. */
export interface Miner {
  readonly name: string;
  share: number;
  /** the Poisson clock says this miner found a block now */
  found(): Promise<void> | void;
  /** the run is over: an attacker shows what it still holds */
  finish?(): void;
}

export interface BlockStat {
  hash: Hash;
  height: number;
  miner: number;
  minedAt: number;
  /** nodes running when it was found */
  population: number;
  arrivals: number;
  /** sum over nodes of the time it took to reach them */
  delaySum: number;
  t50?: number;
  t90?: number;
  t99?: number;
}

export interface SimReport {
  seed: number;
  nodes: number;
  blocksFound: number;
  settleBlocks: number;
  height: number;
  staleBlocks: number;
  staleRate: number;
  /** medians over blocks of the time to reach 50/90/99 % of nodes, ms */
  /**
   * medians over blocks of the time to reach 50/90/99 % of nodes, and the mean
   * over blocks and nodes of the time a block takes to reach a node (ms)
   */
  propagation: { p50: number; p90: number; p99: number; mean50: number; mean90: number; meanArrival: number; samples: number };
  /** reorganizations seen by nodes, by depth */
  reorgDepths: Record<number, number>;
  convergeAfterHealMs: number[];
  virtualSeconds: number;
  events: number;
  wallMs: number;
  /** CPU time of the process during the run (the machine may be shared: wall time alone misleads) */
  cpuMs: number;
  eventsPerSecond: number;
  messages: number;
  megabytes: number;
  memoryPerNodeKB: number;
  traceHash: string;
  invariants: InvariantReport;
}

/**
 * The simulated heartbeat: while a node has traffic, every 5 s (the shortest
 * deadline it checks after the 2 s block-stall window is a transaction
 * request's 5 s); 30 s after its last message (beyond the 20 s block timeout),
 * every 5 min, which still sees the 20- and 30-minute handshake and ping
 * timeouts the simulated nodes use. (The 2-minute stall needs a requested
 * block, and a node waiting for one is busy: its 20 s timeout fires first.)
 * At 60 s, idle heartbeats were a third of a run's events.
 */
export const DEFAULT_HEARTBEAT: HeartbeatPace = Object.freeze({ busyMs: 5_000, idleMs: 300_000, windowMs: 30_000 });
/** Far more hashes than cross a link in the seconds in which two announcements of one hash can meet. */
export const DEFAULT_KNOWN_INVENTORY = 100;
const SETTLE_WAIT_MS = 5 * 60_000;
const MAX_SETTLE_BLOCKS = 6;

/**
 * One run: N nodes with the real chain, pool and peer code on a simulated
 * network and clock, blocks found by a Poisson process split by hash share,
 * transactions from the devnet accounts, faults on a schedule. Same config and
 * seed, same run, same trace hash.
 */
export class Simulation {
  readonly cfg: Required<Omit<SimConfig, "traceFile" | "progress" | "sigCache" | "topology" | "regions" | "network">> &
    Pick<SimConfig, "traceFile" | "progress" | "topology" | "regions" | "network">;
  readonly sched = new Scheduler();
  readonly rng: Rng;
  readonly trace = new Trace();
  readonly net: Network;
  readonly bank: BlockBank;
  readonly sigCache: SigCache;
  readonly nodes: SimNode[] = [];
  miners: Miner[] = [];
  readonly blocks = new Map<Hash, BlockStat>();
  readonly reorgDepths = new Map<number, number>();
  readonly convergeAfterHeal: number[] = [];
  /** how many running nodes sit on each tip */
  private readonly tips = new Map<Hash, number>();
  private readonly tipOf = new Map<number, Hash>();
  private healedAt: number | undefined;
  private found = 0;
  private readonly miningRng: Rng;
  private readonly txRng: Rng;
  private heapBefore = 0;
  private heapNodes = 0;
  /** called when any node's best chain changes (attack scenarios watch the merchant) */
  onTip?: (node: SimNode) => void;
  /** ends the mining phase early (an attack that is decided) */
  stopWhen?: () => boolean;
  private stopped = false;

  constructor(cfg: SimConfig) {
    const params = cfg.params ?? DEVNET;
    this.cfg = {
      seed: cfg.seed,
      nodes: cfg.nodes,
      outbound: Math.min(cfg.outbound ?? 8, cfg.nodes - 1),
      maxPeers: cfg.maxPeers ?? 125,
      blockIntervalMs: cfg.blockIntervalMs ?? 600_000,
      blocks: cfg.blocks,
      minerCount: Math.min(cfg.minerCount ?? 20, cfg.nodes),
      txPerBlock: cfg.txPerBlock ?? 2,
      blockPadBytes: cfg.blockPadBytes ?? 0,
      verifyMs: cfg.verifyMs ?? 0,
      heartbeat: cfg.heartbeat ?? DEFAULT_HEARTBEAT,
      knownInventory: cfg.knownInventory ?? DEFAULT_KNOWN_INVENTORY,
      pingIntervalMs: cfg.pingIntervalMs ?? 2 * 60 * 60_000,
      faults: cfg.faults ?? [],
      params,
      traceFile: cfg.traceFile,
      progress: cfg.progress,
      topology: cfg.topology,
      regions: cfg.regions,
      network: cfg.network,
    };
    this.rng = new Rng(cfg.seed);
    this.miningRng = this.rng.fork("mining");
    this.txRng = this.rng.fork("tx");
    this.net = new Network(this.sched, this.rng.fork("net"), this.trace, { blockPadBytes: this.cfg.blockPadBytes });
    this.bank = new BlockBank(genesisHash(params));
    this.bank.intern(genesisHash(params), genesisBlock(params));
    this.sigCache = cfg.sigCache ?? new SigCache(1_000_000);
  }

  get now(): number {
    return this.sched.now;
  }

  /** Creates and starts the nodes; each dials `outbound` random others. Honest miners get equal shares. */
  async setup(): Promise<void> {
    const n = this.cfg.nodes;
    const topo = this.rng.fork("topology");
    const regions = this.cfg.regions ?? Array.from({ length: n }, () => topo.weighted(NODE_SHARE));
    if (this.cfg.traceFile) this.trace.open(this.cfg.traceFile);
    const hooks: NodeHooks = {
      accepted: (node, e, own) => this.onAccepted(node, e, own),
      tipChanged: (node) => this.onTipChanged(node),
      reorg: (node, depth) => {
        this.reorgDepths.set(depth, (this.reorgDepths.get(depth) ?? 0) + 1);
        this.event({ t: this.t(), e: "reorg", n: node.id, d: depth });
      },
    };
    this.gc();
    this.heapBefore = process.memoryUsage().heapUsed;
    const epochMs = (this.cfg.params.genesis.time + 60) * 1000;
    for (let i = 0; i < n; i++) {
      this.net.add(i, regions[i]);
      const peers = this.cfg.topology?.[i] ?? topo.sample(n, this.cfg.outbound, new Set([i]));
      this.nodes.push(
        new SimNode({
          id: i,
          region: regions[i],
          params: this.cfg.params,
          sched: this.sched,
          net: this.net,
          bank: this.bank,
          sigCache: this.sigCache,
          rng: this.rng.fork(`node${i}`),
          hooks,
          peers,
          epochMs,
          verifyMs: this.cfg.verifyMs,
          maxPeers: this.cfg.maxPeers,
          heartbeat: this.cfg.heartbeat,
          knownInventory: this.cfg.knownInventory,
          pingIntervalMs: this.cfg.pingIntervalMs,
        }),
      );
    }
    this.event({
      e: "nodes",
      regions: [...REGIONS],
      nodes: this.nodes.map((x) => ({ id: x.id, r: x.o.region })),
      interval: this.cfg.blockIntervalMs,
    });
    this.cfg.network?.(this.net);
    for (const node of this.nodes) await node.start();
    for (const node of this.nodes) this.onTipChanged(node);
    this.gc();
    this.heapNodes = process.memoryUsage().heapUsed - this.heapBefore;
    const mrng = this.rng.fork("miners");
    const minerIds = mrng.sample(n, this.cfg.minerCount);
    this.miners = minerIds.map((id) => this.honestMiner(this.nodes[id], 1 / minerIds.length));
  }

  /** A miner that builds on its node's best chain and announces at once. */
  honestMiner(node: SimNode, share: number): Miner {
    let k = 0;
    return {
      name: `node ${node.id}`,
      share,
      found: async () => {
        if (!node.alive) return;
        await node.mine(`m${node.id}.${k++}`);
      },
    };
  }

  private gc(): void {
    (globalThis as { gc?: () => void }).gc?.();
  }

  private t(): number {
    return Math.round(this.sched.now);
  }

  /** Mixed into the trace hash always; written to the trace file when there is one. */
  event(obj: Record<string, unknown>): void {
    this.trace.record(obj);
  }

  private onAccepted(node: SimNode, e: BlockIndexEntry, own: boolean): void {
    let s = this.blocks.get(e.hash);
    if (!s) {
      s = {
        hash: e.hash,
        height: e.height,
        miner: own ? node.id : -1,
        minedAt: this.sched.now,
        population: this.nodes.filter((x) => x.alive).length,
        arrivals: 0,
        delaySum: 0,
      };
      this.blocks.set(e.hash, s);
      if (own) this.event({ t: this.t(), e: "block", n: node.id, b: e.hash.slice(0, 16), p: e.header.prevHash.slice(0, 16), h: e.height });
    }
    s.arrivals++;
    const dt = this.sched.now - s.minedAt;
    s.delaySum += dt;
    if (s.t50 === undefined && s.arrivals >= Math.ceil(0.5 * s.population)) s.t50 = dt;
    if (s.t90 === undefined && s.arrivals >= Math.ceil(0.9 * s.population)) s.t90 = dt;
    if (s.t99 === undefined && s.arrivals >= Math.ceil(0.99 * s.population)) s.t99 = dt;
    if (!own) this.event({ t: this.t(), e: "recv", n: node.id, b: e.hash.slice(0, 16) });
  }

  private onTipChanged(node: SimNode): void {
    const old = this.tipOf.get(node.id);
    const tip = node.alive ? node.chain.tip.hash : undefined;
    if (old === tip) return;
    if (old !== undefined) {
      const c = (this.tips.get(old) ?? 1) - 1;
      if (c <= 0) this.tips.delete(old);
      else this.tips.set(old, c);
      this.tipOf.delete(node.id);
    }
    if (tip !== undefined) {
      this.tips.set(tip, (this.tips.get(tip) ?? 0) + 1);
      this.tipOf.set(node.id, tip);
    }
    this.onTip?.(node);
    if (this.healedAt !== undefined && this.converged()) {
      this.convergeAfterHeal.push(this.sched.now - this.healedAt);
      this.event({ t: this.t(), e: "converged", after: Math.round(this.sched.now - this.healedAt) });
      this.healedAt = undefined;
    }
  }

  /** Every running node is on one tip. */
  converged(): boolean {
    return this.tips.size === 1;
  }

  // ------------------------------------------------------------ faults

  private applyFault(f: FaultSpec): void {
    switch (f.kind) {
      case "partition":
        this.net.setPartition(f.groups);
        this.healedAt = undefined;
        this.event({ t: this.t(), e: "partition", groups: f.groups });
        break;
      case "heal":
        this.heal();
        break;
      case "crash": {
        const node = this.nodes[f.node];
        if (!node?.alive) return;
        node.crash();
        this.onTipChanged(node);
        this.event({ t: this.t(), e: "crash", n: f.node });
        break;
      }
      case "restart": {
        const node = this.nodes[f.node];
        if (!node || node.alive) return;
        this.event({ t: this.t(), e: "restart", n: f.node });
        void node.restart().then(() => this.onTipChanged(node));
        break;
      }
      case "slow": {
        const fault: LinkFault = { loss: 0, reorderMs: 0, slow: f.factor };
        this.net.setFault(f.a, f.b, fault);
        this.event({ t: this.t(), e: "slow", a: f.a, b: f.b, x: f.factor });
        this.sched.at(f.until, () => this.net.setFault(f.a, f.b, undefined));
        break;
      }
      case "lossy":
        this.net.setGlobalFault({ loss: f.loss, reorderMs: f.reorderMs, slow: 1 });
        this.event({ t: this.t(), e: "lossy", loss: f.loss, reorder: f.reorderMs });
        this.sched.at(f.until, () => this.net.setGlobalFault(undefined));
        break;
    }
  }

  /** Partition lifted, link faults cleared, crashed nodes restarted: from here the network must converge. */
  heal(): void {
    this.net.setPartition(undefined);
    this.net.clearFaults();
    for (const n of this.nodes) {
      if (!n.alive) {
        this.event({ t: this.t(), e: "restart", n: n.id });
        void n.restart().then(() => this.onTipChanged(n));
      }
    }
    this.event({ t: this.t(), e: "heal" });
    this.healedAt = this.sched.now;
    if (this.converged() && this.nodes.every((n) => n.alive)) {
      this.convergeAfterHeal.push(0);
      this.healedAt = undefined;
    }
  }

  // ------------------------------------------------------------ the run

  private scheduleDiscovery(): void {
    const wait = this.miningRng.exp(this.cfg.blockIntervalMs);
    this.sched.schedule(wait, () => {
      if (this.stopped) return;
      this.found++;
      const shares = this.miners.map((m) => m.share);
      const m = this.miners[this.miningRng.weighted(shares)];
      const p = m.found();
      if (this.found < this.cfg.blocks && !this.stopWhen?.()) this.scheduleDiscovery();
      if (this.cfg.progress && (this.found % 10 === 0 || this.found === this.cfg.blocks)) this.cfg.progress(this.found, this.cfg.blocks);
      if (p) p.catch((e) => this.fail(e));
    });
  }

  private failure: unknown;
  private fail(e: unknown): void {
    this.failure ??= e;
  }

  private scheduleTxs(): void {
    const rate = this.cfg.txPerBlock;
    if (rate <= 0) return;
    const total = Math.ceil(rate * this.cfg.blocks * 1.2) + 8;
    const load = txLoad(this.cfg.params, total);
    for (const s of load.splits) this.sched.schedule(0, () => this.sendTx(s));
    let i = 0;
    const next = () => {
      this.sched.schedule(this.txRng.exp(this.cfg.blockIntervalMs / rate), () => {
        if (this.stopped || this.found >= this.cfg.blocks || i >= load.payments.length) return;
        this.sendTx(load.payments[i++]);
        next();
      });
    };
    // payments start once the splits have had time to spread
    this.sched.schedule(this.cfg.blockIntervalMs / 4, next);
  }

  private sendTx(tx: Parameters<SimNode["submitLocalTx"]>[0]): void {
    const alive = this.nodes.filter((n) => n.alive);
    if (alive.length === 0) return;
    alive[this.txRng.int(alive.length)].submitLocalTx(tx);
  }

  /** Runs the schedule, then heals everything and lets the network settle, then checks the invariants. */
  async run(): Promise<SimReport> {
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    const faults = [...this.cfg.faults].sort((a, b) => a.at - b.at);
    const pending = faults.map((f) => this.sched.at(f.at, () => this.applyFault(f)));
    this.scheduleTxs();
    this.scheduleDiscovery();
    await this.sched.run(
      Number.POSITIVE_INFINITY,
      () => this.found >= this.cfg.blocks || this.failure !== undefined || this.stopWhen?.() === true,
    );
    this.stopped = true;
    // faults after the last block are not applied: the run heals and settles now
    for (const e of pending) this.sched.cancel(e);
    for (const m of this.miners) m.finish?.();
    // let the last block spread before the final heal
    await this.sched.run(this.sched.now + 60_000, () => this.failure !== undefined);
    if (this.failure) throw this.failure;
    const settleBlocks = await this.settle();
    if (this.failure) throw this.failure;
    const invariants = await checkInvariants(this.nodes, this.cfg.params);
    const cpu = process.cpuUsage(cpu0);
    const report = this.report(settleBlocks, invariants, performance.now() - wall0, (cpu.user + cpu.system) / 1000);
    this.event({ e: "end", tip: invariants.tip?.slice(0, 16), height: invariants.height, ok: invariants.ok });
    await this.trace.close();
    await this.close();
    return report;
  }

  /** Heal all; wait for one tip; if a node is stuck (it missed an announcement), another honest block nudges it. */
  private async settle(): Promise<number> {
    if (this.net.partitioned || this.nodes.some((n) => !n.alive) || this.cfg.faults.length > 0) this.heal();
    let extra = 0;
    for (;;) {
      const deadline = this.sched.now + SETTLE_WAIT_MS;
      await this.sched.run(deadline, () => this.converged() && this.nodes.every((n) => n.alive) && this.quiet());
      if (this.converged() || extra >= MAX_SETTLE_BLOCKS) break;
      const honest = this.nodes.filter((n) => n.alive && n.hidden.size === 0);
      const node = honest[this.miningRng.int(honest.length)];
      await node.mine(`settle${extra}`);
      extra++;
    }
    // in-flight work (a block being served) finishes before the checks
    await this.sched.run(this.sched.now + 30_000, () => this.quiet());
    return extra;
  }

  /** No block is on its way through any node. */
  private quiet(): boolean {
    return this.nodes.every((n) => !n.alive || n.p2p.blockBacklog === 0);
  }

  report(settleBlocks: number, invariants: InvariantReport, wallMs: number, cpuMs: number): SimReport {
    const stats = [...this.blocks.values()].filter((s) => s.miner >= 0);
    const height = invariants.height ?? Math.max(0, ...this.nodes.filter((n) => n.alive).map((n) => n.chain.height));
    const p = (k: "t50" | "t90" | "t99") => {
      const xs = stats.map((s) => s[k]).filter((x): x is number => x !== undefined);
      return xs;
    };
    const med = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : Number.NaN);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
    const mined = stats.length;
    const stale = Math.max(0, mined - height);
    const depths: Record<number, number> = {};
    for (const [d, c] of [...this.reorgDepths].sort((a, b) => a[0] - b[0])) depths[d] = c;
    const events = this.sched.processed;
    return {
      seed: this.cfg.seed,
      nodes: this.cfg.nodes,
      blocksFound: this.found,
      settleBlocks,
      height,
      staleBlocks: stale,
      staleRate: mined > 0 ? stale / mined : 0,
      propagation: {
        p50: med(p("t50")),
        p90: med(p("t90")),
        p99: med(p("t99")),
        mean50: mean(p("t50")),
        mean90: mean(p("t90")),
        meanArrival: mean(stats.filter((x) => x.t90 !== undefined).map((x) => x.delaySum / x.arrivals)),
        samples: p("t90").length,
      },
      reorgDepths: depths,
      convergeAfterHealMs: [...this.convergeAfterHeal],
      virtualSeconds: this.sched.now / 1000,
      events,
      wallMs,
      cpuMs,
      eventsPerSecond: wallMs > 0 ? events / (wallMs / 1000) : 0,
      messages: this.net.messages,
      megabytes: this.net.bytes / 1e6,
      memoryPerNodeKB: this.heapNodes / this.cfg.nodes / 1024,
      traceHash: this.trace.hash,
      invariants,
    };
  }

  /** Stops every node's timers (the run is over; nothing is left scheduled). */
  async close(): Promise<void> {
    for (const n of this.nodes) if (n.alive) n.clock.kill();
  }
}
