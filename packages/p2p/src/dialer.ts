import { type Ban, type BanList, normalizeAddress, portOfUrl } from "./bans.js";
import type { TimerHandle } from "./clock.js";
import { formatDelay, type NodeContext } from "./options.js";
import { Peer } from "./peer.js";
import { errText } from "./sync.js";

interface Target {
  url: string;
  attempt: number;
  timer?: TimerHandle;
  peer?: Peer;
  /** no dial before this time (ms): set by a ban */
  notBefore: number;
  /** the URL turned out to be this node */
  self: boolean;
  /** the node there refused us as a duplicate: not redialled while a peer with this nonce stays */
  parkedFor?: string;
}

export interface DialerEnv {
  ctx: NodeContext;
  bans: BanList;
  maxPayload: number;
  /** false while the node is closed or its network switched off */
  active(): boolean;
  /** false until the node listens: targets added before start() are dialled by start() */
  started(): boolean;
  nextId(): number;
  /** a dialled socket is open and not banned: start the handshake */
  attach(peer: Peer): void;
  /** errors on an open socket */
  onSocketError(peer: Peer, e: Error & { code?: string }): void;
}

/**
 * Outbound connections: the configured peers (addnode), each dialled and
 * redialled with exponential backoff, never sooner than a ban allows.
 */
export class Dialer {
  private readonly targets = new Map<string, Target>();

  constructor(private readonly env: DialerEnv) {}

  private get ctx(): NodeContext {
    return this.env.ctx;
  }

  /** Keeps a connection to `url`: dialled now (once started), redialled whenever it drops. */
  add(url: string): void {
    if (portOfUrl(url) === undefined) throw new Error(`peer URL ${JSON.stringify(url)} is not ws://HOST:PORT`);
    if (this.targets.has(url)) return;
    const t: Target = { url, attempt: 0, notBefore: 0, self: false };
    this.targets.set(url, t);
    if (this.env.started()) this.dial(t);
  }

  /** Stops dialling `url` and drops its connection. */
  remove(url: string): boolean {
    const t = this.targets.get(url);
    if (!t) return false;
    this.targets.delete(url);
    this.clearTimer(t);
    if (t.peer && t.peer.socket.readyState === "connecting") t.peer.socket.terminate();
    if (t.peer) this.ctx.disconnect(t.peer, "removed from the peer list");
    return true;
  }

  /** Network switched off: no timers, connecting sockets cut. */
  stopAll(): void {
    for (const t of this.targets.values()) {
      this.clearTimer(t);
      if (t.peer && t.peer.socket.readyState === "connecting") t.peer.socket.terminate();
    }
  }

  /** Network switched on: every target dialled afresh. */
  restartAll(): void {
    for (const t of this.targets.values()) {
      t.attempt = 0;
      this.dial(t);
    }
  }

  /** Connecting peers (not yet attached), for shutdown. */
  pendingPeers(): Peer[] {
    const out: Peer[] = [];
    for (const t of this.targets.values()) if (t.peer) out.push(t.peer);
    return out;
  }

  clearTimers(): void {
    for (const t of this.targets.values()) this.clearTimer(t);
  }

  private target(peer: Peer): Target | undefined {
    return peer.dialUrl ? this.targets.get(peer.dialUrl) : undefined;
  }

  /** The peer's URL is this node itself: never dialled again. */
  markSelf(peer: Peer): void {
    const t = this.target(peer);
    if (t) t.self = true;
  }

  /** The handshake finished: the backoff starts over. */
  onReady(peer: Peer): void {
    const t = this.target(peer);
    if (t) {
      t.attempt = 0;
      t.notBefore = 0;
    }
  }

  /**
   * The node at this target refused our dial as a duplicate (it dialled us, and that
   * connection is ready): redialling would be refused every minute. The target is parked
   * while a ready peer holds that nonce; the word comes from the node we dialled, so a
   * squatter cannot park it.
   */
  parkWhileConnected(peer: Peer, nonce: string): void {
    const t = this.target(peer);
    if (t) t.parkedFor = nonce;
  }

  onBanned(peer: Peer, ban: Ban): void {
    const t = this.target(peer);
    if (t) t.notBefore = ban.until;
  }

  /** An attached peer closed: redial its target. Returns the target URL and the delay chosen, if any. */
  onClosed(peer: Peer): { url: string; delay: number | undefined } | undefined {
    // a target parked for this peer's connection is dialled again as soon as that connection goes
    // (a simulated lossy link kept a node cut off for minutes while it waited for the next check)
    const nonce = peer.version?.nonce;
    if (nonce !== undefined) {
      for (const parked of this.targets.values()) {
        if (parked.parkedFor !== nonce || parked.peer) continue;
        parked.parkedFor = undefined;
        parked.attempt = 0;
        this.clearTimer(parked);
        this.scheduleRedial(parked);
      }
    }
    const t = this.target(peer);
    if (!t) return undefined;
    let delay: number | undefined;
    if (t.peer === peer) {
      t.peer = undefined;
      delay = this.scheduleRedial(t);
    }
    return { url: t.url, delay };
  }

  private clearTimer(t: Target): void {
    if (t.timer) this.ctx.clock.clearTimeout(t.timer);
    t.timer = undefined;
  }

  private dial(t: Target): void {
    if (!this.env.active() || t.self || t.peer || this.targets.get(t.url) !== t) return;
    this.clearTimer(t);
    const clock = this.ctx.clock;
    const wait = t.notBefore - clock.now();
    if (wait > 0) {
      t.timer = clock.setTimeout(() => this.dial(t), wait);
      return;
    }
    if (t.parkedFor !== undefined) {
      const nonce = t.parkedFor;
      if ([...this.ctx.readyPeers()].some((p) => !p.closing && p.version?.nonce === nonce)) {
        t.timer = clock.setTimeout(() => this.dial(t), this.ctx.opts.reconnectMaxMs);
        return;
      }
      t.parkedFor = undefined;
    }
    const opts = this.ctx.opts;
    let socket: Peer["socket"];
    try {
      socket = opts.transport.dial(t.url, { maxPayload: this.env.maxPayload, handshakeTimeoutMs: opts.handshakeTimeoutMs });
    } catch (e) {
      this.ctx.host.log(`cannot dial ${t.url}: ${errText(e)}`);
      return;
    }
    const peer = new Peer(this.env.nextId(), socket, false, "unknown", portOfUrl(t.url) ?? 0, t.url, clock, opts.knownInventory);
    t.peer = peer;
    let opened = false;
    socket.on("open", () => {
      peer.address = normalizeAddress(socket.remoteAddress);
      if (!this.env.active() || this.targets.get(t.url) !== t) {
        peer.closeReason = "network switched off";
        socket.close(1000, "network switched off");
        return;
      }
      const ban = this.env.bans.get(peer.key);
      if (ban) {
        t.notBefore = ban.until;
        peer.closeReason = `not connecting: ${peer.key} is banned for another ${secondsLeft(ban, clock.now())} s (${ban.reason})`;
        socket.close(1008, "banned");
        return;
      }
      opened = true;
      this.env.attach(peer);
    });
    socket.on("error", (e) => {
      if (!opened) peer.closeReason ??= `cannot connect: ${errText(e)}`;
      else this.env.onSocketError(peer, e);
    });
    socket.on("close", () => {
      if (!opened) {
        peer.state = "closed";
        if (t.peer === peer) t.peer = undefined;
        const delay = this.scheduleRedial(t);
        if (delay !== undefined) {
          this.ctx.host.log(`${t.url}: ${peer.closeReason ?? "connection failed"}; retrying in ${formatDelay(delay)}`);
        }
      }
    });
  }

  /** Returns the delay chosen, or undefined when the target is not to be redialled. */
  private scheduleRedial(t: Target): number | undefined {
    if (!this.env.active() || t.self || this.targets.get(t.url) !== t || t.timer) return undefined;
    const opts = this.ctx.opts;
    const backoff = Math.min(opts.reconnectMaxMs, opts.reconnectBaseMs * 2 ** Math.min(t.attempt, 30));
    t.attempt++;
    const delay = Math.max(backoff, t.notBefore - this.ctx.clock.now());
    t.timer = this.ctx.clock.setTimeout(() => {
      t.timer = undefined;
      this.dial(t);
    }, delay);
    return delay;
  }

  /** The URLs this node keeps connected to, and where each stands. */
  list(): { url: string; connected: boolean; self: boolean; redialScheduled: boolean; failures: number }[] {
    return [...this.targets.values()].map((t) => ({
      url: t.url,
      connected: t.peer?.state === "ready",
      self: t.self,
      redialScheduled: t.timer !== undefined,
      failures: t.attempt,
    }));
  }
}

export const secondsLeft = (b: Ban, now: number): number => Math.max(1, Math.ceil((b.until - now) / 1000));
