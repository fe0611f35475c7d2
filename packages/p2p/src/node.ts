import type { Hash, NetworkParams, PeerSummary } from "@utxolab/core";
import { type Ban, BanList, normalizeAddress } from "./bans.js";
import type { Clock, TimerHandle } from "./clock.js";
import { Dialer, secondsLeft } from "./dialer.js";
import { chooseEviction } from "./eviction.js";
import { Handshake } from "./handshake.js";
import type { P2PHost } from "./host.js";
import { type InMessage, maxMessageBytes, parseMessage } from "./messages.js";
import {
  BAN_THRESHOLD,
  formatDelay,
  type NodeContext,
  type P2POptions,
  type ResolvedOptions,
  resolveOptions,
  SCORE_NOT_READING,
  SCORE_UNKNOWN_TYPE,
} from "./options.js";
import { Peer } from "./peer.js";
import { Relay } from "./relay.js";
import { BlockSync, errText } from "./sync.js";
import type { Listener, PeerSocket } from "./transport.js";

export { DEFAULT_P2P_PORT, type P2POptions } from "./options.js";

/** What getpeerinfo shows (core's PeerSummary), and what only the node needs besides. */
export interface PeerInfo extends PeerSummary {
  readonly userAgent: string;
  /** address:port of the socket */
  remote: string;
  /** the URL it says it listens on */
  listen: string | null;
  protocol: number;
  connectedAt: number;
  /** last ping round trip */
  pingMs?: number;
  blocksInFlight: number;
  /** bytes waiting to be sent to it (a peer that does not read shows here; bounded by maxSendBufferBytes) */
  sendQueue: number;
  /** messages by type */
  sent: Record<string, number>;
  received: Record<string, number>;
}

/**
 * The peer-to-peer side of a node, speaking the protocol of docs/protocol.md
 * over a `Transport` (WebSocket unless told otherwise). It holds no chain or
 * pool of its own; the node supplies everything through a `P2PHost`.
 *
 * This class owns the connections (the peer table, frames in, misbehaviour,
 * closing) and wires the parts: `Dialer` (outbound connections and redial),
 * `Handshake` (version/verack, ping, timeouts), `Relay` (inv/getdata/tx) and
 * `BlockSync` (headers-first block download).
 */
export class P2PNode implements NodeContext {
  readonly opts: ResolvedOptions;
  readonly params: NetworkParams;
  readonly clock: Clock;
  /** identifies this node in version messages so it can recognise itself */
  readonly nonce: string;
  private readonly peersById = new Map<number, Peer>();
  /** readyPeers() as last built; undefined once a peer joined or left */
  private readyList: readonly Peer[] | undefined;
  private readonly banList: BanList;
  private readonly sync: BlockSync;
  private readonly relay: Relay;
  private readonly dialer: Dialer;
  private readonly handshake: Handshake;
  private readonly maxPayload: number;
  private listener?: Listener;
  private starting = false;
  private heartbeat?: TimerHandle;
  private nextId = 1;
  private _port: number;
  private enabled = true;
  private closed = false;

  constructor(
    readonly host: P2PHost,
    opts: P2POptions,
  ) {
    this.opts = resolveOptions(opts);
    this.params = opts.params;
    this.clock = this.opts.clock;
    this.nonce = this.opts.randomHex(8);
    this.banList = new BanList(() => this.clock.now());
    this._port = this.opts.port;
    this.maxPayload = maxMessageBytes(this.params);
    this.sync = new BlockSync({
      host,
      params: this.params,
      clock: this.clock,
      maxBlocksInFlight: this.opts.maxBlocksInFlight,
      maxClaimBytes: this.opts.maxClaimBytes,
      maxClaimsBytes: this.opts.maxClaimsBytes,
      maxClaimsBlocks: this.opts.maxClaimsBlocks,
      readyPeers: () => this.readyPeers(),
      misbehave: (p, score, why) => this.misbehave(p, score, why),
      relayBlock: (h) => this.announceBlock(h),
      disconnect: (p, why) => this.disconnect(p, why),
    });
    this.relay = new Relay(this, (p, blocks) => this.sync.onInvBlocks(p, blocks));
    this.dialer = new Dialer({
      ctx: this,
      bans: this.banList,
      maxPayload: this.maxPayload,
      active: () => !this.closed && this.enabled,
      started: () => this.listener !== undefined,
      nextId: () => this.nextId++,
      attach: (p) => this.attach(p),
      onSocketError: (p, e) => this.onSocketError(p, e),
    });
    this.handshake = new Handshake({
      ctx: this,
      bans: this.banList,
      dialer: this.dialer,
      nonce: this.nonce,
      listenUrl: () => (this.listener ? this.url : null),
      onReady: (p) => this.sync.requestHeaders(p),
    });
  }

  get port(): number {
    return this._port;
  }

  /** What peers are told to dial. */
  get url(): string {
    if (this.opts.advertise) return this.opts.advertise;
    const b = this.opts.bind;
    const host = b === "0.0.0.0" || b === "::" ? "127.0.0.1" : b.includes(":") ? `[${b}]` : b;
    return `ws://${host}:${this._port}`;
  }

  /** Listens, then dials the configured peers. */
  async start(): Promise<void> {
    if (this.listener || this.starting) throw new Error("P2PNode.start() was already called");
    this.starting = true;
    try {
      this.listener = await this.opts.transport.listen(
        {
          port: this.opts.port,
          bind: this.opts.bind,
          maxPayload: this.maxPayload,
          // room for the peers, plus a few sockets on their way in or being refused
          maxConnections: this.opts.maxPeers + 16,
          maxPerAddress: this.opts.maxPerAddress,
          upgradeTimeoutMs: this.opts.handshakeTimeoutMs,
        },
        {
          allow: () => !this.closed && this.enabled,
          accept: (s) => this.onInbound(s),
          onError: (e) => this.host.log(`p2p server error: ${e.message}`),
        },
      );
    } catch (err) {
      this.starting = false;
      const e = err as NodeJS.ErrnoException;
      // code and port kept: the command line turns EADDRINUSE into advice on --p2p-port
      throw Object.assign(new Error(`cannot listen for peers on ${this.opts.bind}:${this.opts.port}: ${e.message}`), {
        code: e.code,
        port: this.opts.port,
      });
    }
    this._port = this.listener.port;
    // at most 500 ms: block stalls are judged within a couple of seconds
    const tick = Math.max(10, Math.min(this.opts.pingIntervalMs, this.opts.pingTimeoutMs, this.opts.handshakeTimeoutMs, 2_000) / 4);
    this.heartbeat = this.clock.setInterval(() => this.onHeartbeat(), tick);
    for (const u of this.opts.peers) this.dialer.add(u);
  }

  // ---------------------------------------------------------------- connections

  /** Keeps a connection to `url` (addnode): dialled now, redialled with backoff whenever it drops. */
  addPeer(url: string): void {
    this.dialer.add(url);
  }

  /** Stops dialling `url` and drops its connection. */
  removePeer(url: string): boolean {
    return this.dialer.remove(url);
  }

  /** Drops one connection (a configured peer is redialled after the backoff). */
  disconnectPeer(id: number): boolean {
    const p = this.peersById.get(id);
    if (!p) return false;
    this.disconnect(p, "disconnected on request");
    return true;
  }

  disconnectAll(): void {
    for (const p of [...this.peersById.values()]) this.disconnect(p, "disconnected on request");
  }

  /** Off: every connection is dropped, inbound ones refused, nothing dialled, until switched on again. */
  setNetworkEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.enabled = on;
    if (!on) {
      this.dialer.stopAll();
      for (const p of [...this.peersById.values()]) this.disconnect(p, "network switched off");
      this.host.log("network switched off: all peers dropped");
      return;
    }
    this.host.log("network switched on");
    this.dialer.restartAll();
  }

  get networkEnabled(): boolean {
    return this.enabled;
  }

  private onInbound(socket: PeerSocket): void {
    const peer = new Peer(
      this.nextId++,
      socket,
      true,
      normalizeAddress(socket.remoteAddress),
      socket.remotePort ?? 0,
      undefined,
      this.clock,
      this.opts.knownInventory,
    );
    // Cheap refusals first, before a handshake costs anything.
    const ban = this.banList.get(peer.key);
    if (ban) {
      this.refuseInbound(peer, "banned", `${peer.key} is banned for another ${secondsLeft(ban, this.clock.now())} s: ${ban.reason}`);
      return;
    }
    let fromAddress = 0;
    for (const p of this.peersById.values()) if (p.inbound && p.address === peer.address) fromAddress++;
    if (fromAddress >= this.opts.maxPerAddress) {
      this.refuseInbound(
        peer,
        "too-many-peers",
        `${fromAddress} connections from ${peer.address} already (limit ${this.opts.maxPerAddress} per address)`,
      );
      return;
    }
    if (this.peersById.size >= this.opts.maxPeers) {
      const victim = chooseEviction([...this.peersById.values()]);
      if (!victim) {
        this.refuseInbound(
          peer,
          "too-many-peers",
          `this node already has ${this.peersById.size} peers (limit ${this.opts.maxPeers}) and all are protected`,
        );
        return;
      }
      this.host.log(`evicting ${victim.label} to make room for inbound ${peer.remote}`);
      victim.send({ type: "reject", reason: "evicted", detail: "the node is full and made room for a new peer" });
      victim.refused = true;
      this.disconnect(victim, "evicted to make room for a new peer");
      // it leaves the table now, so the slot is free for this connection
      this.peersById.delete(victim.id);
      this.peersChanged();
    }
    socket.on("error", (e) => this.onSocketError(peer, e));
    this.attach(peer);
  }

  private refuseInbound(peer: Peer, reason: string, detail: string): void {
    peer.refused = true;
    peer.send({ type: "reject", reason, detail });
    peer.socket.close(reason === "banned" ? 1008 : 1013, reason);
    peer.socket.on("error", () => {});
    this.host.log(`refused inbound ${peer.remote}: ${reason}: ${detail}`);
  }

  /** A socket is open in either direction: start the handshake. */
  private attach(peer: Peer): void {
    this.peersById.set(peer.id, peer);
    this.peersChanged();
    peer.maxBuffered = this.opts.maxSendBufferBytes;
    peer.onOverflow = (queued) => {
      this.misbehave(peer, SCORE_NOT_READING, `does not read what it asks for: ${queued} bytes wait to be sent to it`);
      this.disconnect(peer, `not reading: ${queued} bytes queued`);
    };
    const s = peer.socket;
    s.on("message", (text, binary) => this.onFrame(peer, text, binary));
    s.on("close", (code, reason) => this.onClosed(peer, code, reason));
    peer.send(this.handshake.versionMessage());
  }

  safeHeight(): number {
    try {
      return this.host.bestHeight();
    } catch {
      return 0;
    }
  }

  private onSocketError(peer: Peer, e: Error & { code?: string }): void {
    const code = e.code ?? "";
    if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      this.misbehave(peer, BAN_THRESHOLD, `sent a message over the ${this.maxPayload}-byte limit`);
    } else if (code.startsWith("WS_ERR_")) {
      this.misbehave(peer, BAN_THRESHOLD, `broke the WebSocket framing (${code}: ${e.message})`);
    } else {
      peer.closeReason ??= `connection error: ${e.message}`;
    }
  }

  disconnect(peer: Peer, why: string): void {
    peer.closeReason ??= why;
    if (peer.state === "closed" || peer.closing) return;
    peer.closing = true;
    // its blocks go to other peers now, not when its socket finally closes (a banned peer
    // that ignores the close handshake held them for 2 s more)
    this.sync.peerGone(peer);
    try {
      peer.socket.close(1000, why.slice(0, 120));
    } catch {
      peer.socket.terminate();
    }
    // A peer that ignores the closing handshake is cut off anyway.
    this.clock
      .setTimeout(() => {
        if (peer.socket.readyState !== "closed") peer.socket.terminate();
      }, 2_000)
      .unref?.();
  }

  stalled(peer: Peer, why: string): void {
    this.sync.stalled(peer, why);
  }

  private onClosed(peer: Peer, code: number, reason: string): void {
    const wasReady = peer.state === "ready";
    peer.state = "closed";
    this.peersById.delete(peer.id);
    this.peersChanged();
    this.sync.peerGone(peer);
    this.relay.peerGone(peer);
    const why =
      peer.closeReason ??
      (reason ? `closed by the peer: ${reason}` : code === 1006 ? "connection lost" : `closed by the peer (code ${code})`);
    const t = this.dialer.onClosed(peer);
    const delay = t?.delay;
    const retry = delay === undefined ? "" : `; retrying in ${formatDelay(delay)}`;
    if (wasReady) this.host.log(`${peer.label} left: ${why}${retry}`);
    else if (t) this.host.log(`${t.url}: ${why}${retry}`);
  }

  // ---------------------------------------------------------------- misbehaviour

  misbehave(peer: Peer, score: number, why: string): void {
    if (peer.state === "closed" || peer.closing) return;
    peer.banScore += score;
    if (peer.banScore < BAN_THRESHOLD) {
      this.host.log(`${peer.label}: ${why} (ban score ${peer.banScore}/${BAN_THRESHOLD})`);
      return;
    }
    const ban = this.banList.ban(peer.key, this.opts.banSeconds, why);
    this.dialer.onBanned(peer, ban);
    this.host.log(`${peer.label} banned for ${ban.seconds} s as ${peer.key}: ${why}`);
    peer.refused = true;
    peer.send({ type: "reject", reason: "banned", detail: `you are banned for ${ban.seconds} s: ${why}` });
    this.disconnect(peer, `banned: ${why}`);
    // whatever it still sends is ignored: do not even read it (a banned flooder keeps sending);
    // it is cut off when the close handshake times out
    peer.socket.pause?.();
  }

  bans(): Ban[] {
    return this.banList.list();
  }

  unban(key: string): boolean {
    return this.banList.unban(key);
  }

  clearBans(): void {
    this.banList.clear();
  }

  // ---------------------------------------------------------------- incoming

  private onFrame(peer: Peer, text: string, binary: boolean): void {
    if (peer.state === "closed" || peer.closing) return;
    // Counted before parsing: a flood of tiny messages (pings) costs us parsing time per
    // message, so the rate itself is the offence (issue 12, attack 2).
    const rate = this.opts.maxMessagesPerSecond;
    const now = this.clock.now();
    peer.msgTokens = Math.min(2 * rate, peer.msgTokens + ((now - peer.msgAt) / 1000) * rate);
    peer.msgAt = now;
    if (--peer.msgTokens < 0) {
      this.misbehave(peer, BAN_THRESHOLD, `sent messages faster than ${rate} a second`);
      return;
    }
    try {
      if (binary) {
        this.misbehave(peer, BAN_THRESHOLD, "sent a binary frame (messages are JSON text)");
        return;
      }
      const parsed = parseMessage(text);
      if (!parsed.ok) {
        const early = peer.state !== "ready";
        if (parsed.unknown !== undefined && !early) this.misbehave(peer, SCORE_UNKNOWN_TYPE, parsed.detail);
        else this.misbehave(peer, BAN_THRESHOLD, `sent a malformed message: ${parsed.detail}`);
        return;
      }
      const m = parsed.msg;
      peer.received[m.type] = (peer.received[m.type] ?? 0) + 1;
      this.dispatch(peer, m);
    } catch (e) {
      // A bug of ours, not the peer's fault: drop the connection, keep the node.
      this.host.log(`error handling a message from ${peer.label}: ${errText(e)}`);
      this.disconnect(peer, `internal error: ${errText(e)}`);
    }
  }

  private dispatch(peer: Peer, m: InMessage): void {
    if (m.type === "version" || m.type === "verack" || m.type === "reject") {
      if (m.type === "version") this.handshake.onVersion(peer, m);
      else if (m.type === "verack") this.handshake.onVerack(peer);
      else this.handshake.onReject(peer, m.reason, m.detail);
      return;
    }
    if (peer.state !== "ready") {
      this.misbehave(peer, BAN_THRESHOLD, `sent ${m.type} before the handshake finished`);
      return;
    }
    switch (m.type) {
      case "ping":
        this.handshake.onPing(peer, m.nonce, m.height);
        break;
      case "pong":
        this.handshake.onPong(peer, m.nonce, m.height);
        break;
      case "inv":
        // a full inv names 50,000 hashes: it costs budget by its size (one per 20 hashes), not as one message
        peer.msgTokens -= (m.txs.length + m.blocks.length) / 20;
        this.relay.onInv(peer, m.txs, m.blocks);
        break;
      case "getdata":
        this.relay.onGetData(peer, m.txs, m.blocks);
        break;
      case "notfound":
        this.relay.onNotFoundTxs(peer, m.txs);
        this.sync.onNotFound(peer, m.blocks);
        break;
      case "tx":
        this.relay.onTx(peer, m.tx, m.raw);
        break;
      case "block":
        this.sync.onBlock(peer, m.block, m.raw);
        break;
      case "getheaders":
        this.relay.onGetHeaders(peer, m.locator, m.stop);
        break;
      case "headers":
        this.sync.onHeaders(peer, m.headers);
        break;
    }
  }

  // ---------------------------------------------------------------- outgoing

  /** Tells every peer that does not know it yet (idempotent: each peer hears of a hash once). */
  announceTx(id: Hash): void {
    this.relay.announceTx(id);
  }

  announceBlock(hash: Hash): void {
    this.relay.announceBlock(hash);
  }

  // ---------------------------------------------------------------- timers

  private onHeartbeat(): void {
    const now = this.clock.now();
    for (const p of [...this.peersById.values()]) this.handshake.check(p, now);
    this.sync.checkStalls(now);
    this.relay.expireTxRequests(now);
  }

  // ---------------------------------------------------------------- inspection

  /**
   * Peers that finished the handshake, in the order they joined. Cached: read on nearly every
   * message (relay, sync, stall checks), it changes only when a peer joins or leaves
   * (peersChanged). The cached array is replaced, never changed, so a caller iterating it
   * while a peer leaves sees the list as it was.
   */
  readyPeers(): readonly Peer[] {
    this.readyList ??= [...this.peersById.values()].filter((p) => p.state === "ready");
    return this.readyList;
  }

  /** A peer joined (became ready) or left the table. */
  peersChanged(): void {
    this.readyList = undefined;
  }

  /** Peers that completed the handshake. */
  peers(): PeerInfo[] {
    return [...this.readyPeers()].map((p) => ({
      id: p.id,
      url: p.url,
      inbound: p.inbound,
      height: p.height,
      banScore: p.banScore,
      userAgent: p.userAgent,
      remote: p.remote,
      listen: p.version?.listen ?? null,
      protocol: p.version?.protocol ?? 0,
      connectedAt: p.connectedAt,
      ...(p.pingMs !== undefined ? { pingMs: p.pingMs } : {}),
      blocksInFlight: p.inFlight.size,
      sendQueue: p.socket.bufferedAmount,
      sent: { ...p.sent },
      received: { ...p.received },
    }));
  }

  /** The URLs this node keeps connected to, and where each stands. */
  configuredPeers(): { url: string; connected: boolean; self: boolean; redialScheduled: boolean; failures: number }[] {
    return this.dialer.list();
  }

  /** Blocks received and not yet through the host's submitBlock. */
  get blockBacklog(): number {
    return this.sync.backlog;
  }

  /** Resolves when every block received so far has been through the host. */
  idle(): Promise<void> {
    return this.sync.idle();
  }

  /** Drops every connection, stops listening and dialling. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) this.clock.clearInterval(this.heartbeat);
    this.sync.stop();
    this.dialer.clearTimers();
    const all = [...this.peersById.values()];
    for (const p of this.dialer.pendingPeers()) if (!all.includes(p)) all.push(p);
    const closedAll = Promise.all(
      all.map((p) =>
        p.socket.readyState === "closed" ? undefined : new Promise<void>((resolve) => p.socket.once("close", () => resolve())),
      ),
    );
    for (const p of all) {
      p.closeReason ??= "node shutting down";
      if (p.socket.readyState === "connecting") p.socket.terminate();
      else this.disconnect(p, "node shutting down");
    }
    let grace: TimerHandle | undefined;
    await Promise.race([closedAll, new Promise((r) => (grace = this.clock.setTimeout(() => r(undefined), 1_000)))]);
    this.clock.clearTimeout(grace);
    for (const p of all) if (p.socket.readyState !== "closed") p.socket.terminate();
    await this.listener?.close();
    await this.sync.idle();
  }
}
