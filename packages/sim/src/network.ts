import type {
  Acceptor,
  DialOptions,
  Listener,
  ListenOptions,
  PeerSocket,
  SocketEvents,
  SocketListener,
  SocketState,
  Transport,
} from "@utxolab/p2p";
import { BANDWIDTH, latencyBetween } from "./regions.js";
import type { Rng } from "./rng.js";
import type { Scheduler } from "./scheduler.js";
import type { Trace } from "./trace.js";

/** A fault on the links between two nodes (or on every link: see `Network.setGlobalFault`). */
export interface LinkFault {
  /** probability that a message is lost */
  loss: number;
  /** each message gets up to this much extra delay, so messages overtake each other */
  reorderMs: number;
  /** latency multiplied and bandwidth divided by this (1 = healthy) */
  slow: number;
}

export const HEALTHY: LinkFault = Object.freeze({ loss: 0, reorderMs: 0, slow: 1 });

interface Endpoint {
  id: number;
  region: number;
  acceptor?: Acceptor;
  up: boolean;
  readonly sockets: Set<SimSocket>;
  nextPort: number;
  /** told of every message the node sends or receives (paces its heartbeat) */
  onActivity?: () => void;
}

/** One direction of a connection: its send queue (bandwidth) and the last arrival (FIFO order). */
interface Direction {
  freeAt: number;
  lastArrival: number;
  /** transmissions not yet finished: [end time, bytes] */
  queue: number[];
  queued: number;
}

const P2P_PORT = 18444;
const CONNECT_TIMEOUT_MS = 5_000;
const BLOCK_PREFIX = '{"type":"block"';

/** The URL of node `id`: ws://10.x.y.z:18444, so the p2p layer's URL and ban rules apply unchanged. */
export const urlOf = (id: number): string => `ws://${addressOf(id)}:${P2P_PORT}`;
const addressOf = (id: number): string => `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`;

export function idOfUrl(url: string): number | undefined {
  const m = /^ws:\/\/10\.(\d+)\.(\d+)\.(\d+):\d+$/.exec(url);
  if (!m) return undefined;
  return (Number(m[1]) << 16) | (Number(m[2]) << 8) | Number(m[3]);
}

export interface NetworkOptions {
  /** extra bytes a block message is charged on the wire (models bigger blocks than the sim builds) */
  blockPadBytes?: number;
}

/**
 * Simulated links between the nodes: latency from the region matrix,
 * bandwidth per direction, FIFO delivery unless a fault reorders, partitions
 * that cut connections and refuse dials, crashes that cut a node off.
 */
export class Network {
  private readonly endpoints: Endpoint[] = [];
  private group: number[] | undefined;
  private readonly faults = new Map<number, LinkFault>();
  private global: LinkFault = HEALTHY;
  /** one-way latency set for a direction (from*65536+to), instead of the region matrix */
  private readonly fixedLatency = new Map<number, number>();
  blockPadBytes: number;
  messages = 0;
  bytes = 0;
  dropped = 0;

  constructor(
    readonly sched: Scheduler,
    private readonly rng: Rng,
    private readonly trace: Trace,
    opts: NetworkOptions = {},
  ) {
    this.blockPadBytes = opts.blockPadBytes ?? 0;
  }

  add(id: number, region: number): void {
    this.endpoints[id] = { id, region, up: true, sockets: new Set(), nextPort: 40_000 };
  }

  regionOf(id: number): number {
    return this.endpoints[id].region;
  }

  transport(id: number): Transport {
    return new SimTransport(this, id);
  }

  // ------------------------------------------------------------ topology and faults

  /** Partitions the nodes into groups (a node in no group is alone); undefined heals. Cuts crossing connections. */
  setPartition(groups: readonly (readonly number[])[] | undefined): void {
    if (!groups) {
      this.group = undefined;
      return;
    }
    const g = new Array<number>(this.endpoints.length);
    for (let i = 0; i < g.length; i++) g[i] = -1 - i;
    groups.forEach((members, gi) => {
      for (const m of members) g[m] = gi;
    });
    this.group = g;
    for (const ep of this.endpoints) {
      for (const s of [...ep.sockets]) if (!this.reachable(s.owner, s.remote)) this.cut(s, true);
    }
  }

  get partitioned(): boolean {
    return this.group !== undefined;
  }

  reachable(a: number, b: number): boolean {
    const ea = this.endpoints[a];
    const eb = this.endpoints[b];
    if (!ea?.up || !eb?.up) return false;
    return !this.group || this.group[a] === this.group[b];
  }

  setFault(a: number, b: number, f: LinkFault | undefined): void {
    const k = pairKey(a, b);
    if (f) this.faults.set(k, f);
    else this.faults.delete(k);
  }

  setGlobalFault(f: LinkFault | undefined): void {
    this.global = f ?? HEALTHY;
  }

  clearFaults(): void {
    this.faults.clear();
    this.global = HEALTHY;
  }

  private faultOf(a: number, b: number): LinkFault {
    return this.faults.get(pairKey(a, b)) ?? this.global;
  }

  /** extra delay on announcements (inv, headers, block) in one direction: a peer that hears a node's news late */
  private readonly announceDelay = new Map<number, number>();

  /**
   * Announcements from `a` reach `b` `ms` later than other messages (requests and
   * answers stay fast). The selfish-mining scenario uses it to set γ.
   */
  setAnnounceDelay(a: number, b: number, ms: number): void {
    this.announceDelay.set(a * 65_536 + b, ms);
  }

  /** Sets the one-way latency from `a` to `b` (scenarios that need a precise topology). */
  setLatency(a: number, b: number, ms: number): void {
    this.fixedLatency.set(a * 65_536 + b, ms);
  }

  private baseLatency(a: number, b: number): number {
    return this.fixedLatency.get(a * 65_536 + b) ?? latencyBetween(this.endpoints[a].region, this.endpoints[b].region);
  }

  latency(a: number, b: number): number {
    return this.baseLatency(a, b) * this.faultOf(a, b).slow;
  }

  private bandwidth(a: number, b: number): number {
    return Math.min(BANDWIDTH[this.endpoints[a].region].up, BANDWIDTH[this.endpoints[b].region].down) / this.faultOf(a, b).slow;
  }

  /** The node stops: its connections drop (peers see the connection lost), its port stops answering. */
  crash(id: number): void {
    const ep = this.endpoints[id];
    ep.up = false;
    ep.acceptor = undefined;
    for (const s of [...ep.sockets]) this.cut(s, false);
  }

  restart(id: number, onActivity?: () => void): void {
    const ep = this.endpoints[id];
    ep.up = true;
    ep.onActivity = onActivity;
  }

  /** Cuts a connection: `notifyOwner` false for a crashed owner, whose code no longer runs. */
  private cut(s: SimSocket, notifyOwner: boolean): void {
    const o = s.other;
    if (s.readyState !== "closed") {
      s.readyState = "closed";
      this.forget(s);
      if (notifyOwner) this.sched.schedule(0, () => s.emit("close", 1006, ""));
    }
    if (o && o.readyState !== "closed") {
      o.readyState = "closed";
      this.forget(o);
      this.sched.schedule(this.latency(s.owner, s.remote), () => o.emit("close", 1006, ""));
    }
  }

  private forget(s: SimSocket): void {
    this.endpoints[s.owner]?.sockets.delete(s);
  }

  // ------------------------------------------------------------ transport

  listen(id: number, acceptor: Acceptor): Listener {
    const ep = this.endpoints[id];
    ep.acceptor = acceptor;
    return {
      port: P2P_PORT,
      close: async () => {
        if (ep.acceptor === acceptor) ep.acceptor = undefined;
      },
    };
  }

  dial(from: number, url: string, opts: DialOptions): PeerSocket {
    const to = idOfUrl(url);
    if (to === undefined || !this.endpoints[to]) throw new Error(`no simulated node at ${url}`);
    const me = this.endpoints[from];
    const local = new SimSocket(this, from, to, "connecting", urlAddress(to), P2P_PORT);
    me.sockets.add(local);
    const lat = this.latency(from, to);
    const fail = (why: string, after: number) =>
      this.sched.schedule(after, () => {
        if (local.readyState !== "connecting") return;
        local.readyState = "closed";
        this.forget(local);
        local.emit("error", Object.assign(new Error(why), { code: "ECONNREFUSED" }));
        local.emit("close", 1006, "");
      });
    this.sched.schedule(lat, () => {
      if (local.readyState !== "connecting") return;
      if (!this.reachable(from, to)) {
        // unreachable (partition) is silence until the connect times out (5 s, Bitcoin Core's
        // default); a crashed node's host refuses at once
        if (this.endpoints[to].up)
          fail(`connect ETIMEDOUT ${url}`, Math.max(0, Math.min(opts.handshakeTimeoutMs, CONNECT_TIMEOUT_MS) - lat));
        else fail(`connect ECONNREFUSED ${url}`, lat);
        return;
      }
      const ep = this.endpoints[to];
      if (!ep.acceptor?.allow()) {
        fail(`connect ECONNREFUSED ${url}`, lat);
        return;
      }
      const remote = new SimSocket(this, to, from, "open", urlAddress(from), me.nextPort++);
      remote.other = local;
      local.other = remote;
      ep.sockets.add(remote);
      ep.acceptor.accept(remote);
      this.sched.schedule(lat, () => {
        if (local.readyState !== "connecting") return;
        local.readyState = "open";
        local.emit("open");
      });
    });
    return local;
  }

  /** Puts a message on the wire from `s` to its other end. */
  send(s: SimSocket, text: string): void {
    const o = s.other;
    if (!o) return;
    this.endpoints[s.owner].onActivity?.();
    const now = this.sched.now;
    const size = text.length + (this.blockPadBytes > 0 && text.startsWith(BLOCK_PREFIX) ? this.blockPadBytes : 0);
    const d = s.out;
    const start = Math.max(now, d.freeAt);
    const end = start + size / this.bandwidth(s.owner, s.remote);
    d.freeAt = end;
    d.queue.push(end, size);
    d.queued += size;
    const f = this.faultOf(s.owner, s.remote);
    if (f.loss > 0 && this.rng.next() < f.loss) {
      this.dropped++;
      return;
    }
    let arrival = end + this.baseLatency(s.owner, s.remote) * f.slow;
    if (this.announceDelay.size > 0 && isAnnouncement(text)) arrival += this.announceDelay.get(s.owner * 65_536 + s.remote) ?? 0;
    if (f.reorderMs > 0) arrival += this.rng.next() * f.reorderMs;
    else arrival = Math.max(arrival, d.lastArrival);
    d.lastArrival = Math.max(d.lastArrival, arrival);
    this.sched.at(
      arrival,
      () => {
        if (o.readyState !== "open" && o.readyState !== "closing") return;
        this.messages++;
        this.bytes += size;
        this.trace.mix(this.sched.now * 1000, s.owner, s.remote, size);
        this.endpoints[o.owner].onActivity?.();
        o.emit("message", text, false);
      },
      mayStartAsyncWork(text),
    );
  }

  /** Orderly close: the other end hears it after the data sent before it, we hear the reply a latency later. */
  close(s: SimSocket, code: number, reason: string): void {
    if (s.readyState === "closed" || s.readyState === "closing") return;
    if (s.readyState === "connecting") {
      this.terminate(s);
      return;
    }
    s.readyState = "closing";
    const o = s.other;
    const lat = this.latency(s.owner, s.remote);
    const at = Math.max(this.sched.now + lat, s.out.lastArrival);
    this.sched.at(at, () => {
      if (o && o.readyState !== "closed") {
        o.readyState = "closed";
        this.forget(o);
        o.emit("close", code, reason);
      }
      this.sched.schedule(lat, () => {
        if (s.readyState === "closed") return;
        s.readyState = "closed";
        this.forget(s);
        s.emit("close", code, reason);
      });
    });
  }

  terminate(s: SimSocket): void {
    if (s.readyState === "closed") return;
    s.readyState = "closed";
    this.forget(s);
    this.sched.schedule(0, () => s.emit("close", 1006, ""));
    const o = s.other;
    if (o && o.readyState !== "closed") {
      this.sched.schedule(this.latency(s.owner, s.remote), () => {
        if (o.readyState === "closed") return;
        o.readyState = "closed";
        this.forget(o);
        o.emit("close", 1006, "");
      });
    }
  }

  /** Live connections (one per pair and direction of dialling), for the trace's picture of the network. */
  connections(): [number, number][] {
    const out: [number, number][] = [];
    for (const ep of this.endpoints) {
      for (const s of ep.sockets) if (s.readyState === "open" && s.owner < s.remote) out.push([s.owner, s.remote]);
    }
    return out;
  }
}

/**
 * Blocks (validation), getdata and getheaders (served through a promise queue)
 * and notfound start promise work in the p2p layer; inv, headers, tx, ping and
 * the handshake are handled synchronously.
 */
function mayStartAsyncWork(text: string): boolean {
  const t = text.charCodeAt(9);
  // {"type":"b(lock) / g(etdata|etheaders) / n(otfound)
  return t === 98 || t === 103 || t === 110;
}

/** inv, headers, block */
function isAnnouncement(text: string): boolean {
  const t = text.charCodeAt(9);
  return t === 105 || t === 104 || t === 98;
}

const pairKey = (a: number, b: number): number => (a < b ? a * 65_536 + b : b * 65_536 + a);
const urlAddress = (id: number): string => addressOf(id);

type Handlers = { [E in keyof SocketEvents]?: SocketListener<E>[] };

/** One end of a simulated connection. */
export class SimSocket implements PeerSocket {
  other?: SimSocket;
  readonly out: Direction = { freeAt: 0, lastArrival: 0, queue: [], queued: 0 };
  private readonly handlers: Handlers = {};

  constructor(
    private readonly net: Network,
    readonly owner: number,
    readonly remote: number,
    public readyState: SocketState,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {}

  /** Bytes still being transmitted on our side: what a slow link holds back. */
  get bufferedAmount(): number {
    const d = this.out;
    const now = this.net.sched.now;
    let i = 0;
    while (i < d.queue.length && d.queue[i] <= now) {
      d.queued -= d.queue[i + 1];
      i += 2;
    }
    if (i > 0) d.queue.splice(0, i);
    return d.queued;
  }

  send(text: string): void {
    if (this.readyState !== "open") return;
    this.net.send(this, text);
  }

  close(code: number, reason: string): void {
    this.net.close(this, code, reason);
  }

  terminate(): void {
    this.net.terminate(this);
  }

  on<E extends keyof SocketEvents>(event: E, fn: SocketListener<E>): void {
    const list = (this.handlers[event] ??= []) as SocketListener<E>[];
    list.push(fn);
  }

  once<E extends keyof SocketEvents>(event: E, fn: SocketListener<E>): void {
    const wrapped = ((...args: SocketEvents[E]) => {
      const list = this.handlers[event] as SocketListener<E>[] | undefined;
      const i = list?.indexOf(wrapped) ?? -1;
      if (list && i >= 0) list.splice(i, 1);
      (fn as (...a: SocketEvents[E]) => void)(...args);
    }) as SocketListener<E>;
    this.on(event, wrapped);
  }

  emit<E extends keyof SocketEvents>(event: E, ...args: SocketEvents[E]): void {
    const list = this.handlers[event] as ((...a: SocketEvents[E]) => void)[] | undefined;
    if (!list) return;
    // one handler (a message to the peer code) is the common case: no copy of the list
    if (list.length === 1) list[0](...args);
    else for (const fn of [...list]) fn(...args);
  }
}

/** The p2p layer's view of the simulated network from one node. */
class SimTransport implements Transport {
  constructor(
    private readonly net: Network,
    private readonly id: number,
  ) {}

  async listen(_opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    return this.net.listen(this.id, acceptor);
  }

  dial(url: string, opts: DialOptions): PeerSocket {
    return this.net.dial(this.id, url, opts);
  }
}
