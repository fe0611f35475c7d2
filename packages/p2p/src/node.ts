import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { formatReject, type Hash, type NetworkParams, txid } from "@utxolab/core";
import WebSocket, { WebSocketServer } from "ws";
import { type Ban, BanList, normalizeAddress, portOfUrl } from "./bans.js";
import type { P2PHost } from "./host.js";
import {
  blockMessage,
  headersMessage,
  type InMessage,
  MAX_GETDATA,
  MAX_HEADERS,
  MIN_PROTOCOL_VERSION,
  maxMessageBytes,
  PROTOCOL_VERSION,
  parseMessage,
  txMessage,
  type VersionMsg,
} from "./messages.js";
import { Peer } from "./peer.js";
import { BlockSync, errText } from "./sync.js";

/** Port of the peer protocol when none is given (the RPC default is 18443). */
export const DEFAULT_P2P_PORT = 18444;

export interface P2POptions {
  params: NetworkParams;
  /** 0 picks a free port; default 18444 */
  port?: number;
  /** address to listen on; default 127.0.0.1 (use 0.0.0.0 for a LAN) */
  bind?: string;
  /** the URL peers are told to reach us at; default ws://<bind>:<port> (127.0.0.1 for a wildcard bind) */
  advertise?: string;
  /** ws://host:port URLs to stay connected to, redialled with exponential backoff */
  peers?: string[];
  /** connections in total; inbound ones beyond it are refused. Default 32 */
  maxPeers?: number;
  /** default 15 s */
  pingIntervalMs?: number;
  /** a peer that leaves a ping unanswered this long is dropped; default 30 s */
  pingTimeoutMs?: number;
  /** a connection that has not finished the handshake by then is dropped; default 10 s */
  handshakeTimeoutMs?: number;
  /** a peer that delivers none of the blocks asked of it for this long is dropped; default 60 s */
  blockStallMs?: number;
  /** how long a misbehaving peer is refused; default 600 s */
  banSeconds?: number;
  /** first redial delay, doubled on every failure up to reconnectMaxMs; defaults 1 s and 60 s */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** blocks requested from one peer and not yet processed; default 16 */
  maxBlocksInFlight?: number;
}

type Resolved = Required<Omit<P2POptions, "advertise" | "peers">> & { advertise?: string; peers: string[] };

export interface PeerInfo {
  id: number;
  url: string;
  inbound: boolean;
  height: number;
  banScore: number;
  userAgent: string;
  /** address:port of the socket */
  remote: string;
  /** the URL it says it listens on */
  listen: string | null;
  protocol: number;
  connectedAt: number;
  /** last ping round trip */
  pingMs?: number;
  blocksInFlight: number;
  /** messages by type */
  sent: Record<string, number>;
  received: Record<string, number>;
}

interface Target {
  url: string;
  attempt: number;
  timer?: ReturnType<typeof setTimeout>;
  peer?: Peer;
  /** no dial before this time (ms): set by a ban */
  notBefore: number;
  /** the URL turned out to be this node */
  self: boolean;
}

const MAX_TX_REQUESTS = 5_000;
const TX_REQUEST_TIMEOUT_MS = 60_000;
/** getdata items waiting to be served for one peer; beyond this its requests are dropped */
const MAX_SERVE_PENDING = 4 * MAX_GETDATA;
/** bytes queued on a socket before the node waits for it to drain */
const SEND_HIGH_WATER = 8 * 1024 * 1024;
const BAN_THRESHOLD = 100;
const INV_CHUNK = 1_000;

/** Scores for offences that do not ban at once; everything else listed in docs/protocol.md scores 100. */
const SCORE_UNKNOWN_TYPE = 10;
const SCORE_REPEAT_HANDSHAKE = 20;
const SCORE_REQUEST_FLOOD = 20;

/**
 * The peer-to-peer side of a node: a WebSocket server and client speaking the
 * protocol of docs/protocol.md. It holds no chain or pool of its own; the node
 * supplies everything through a `P2PHost`.
 */
export class P2PNode {
  private readonly opts: Resolved;
  readonly params: NetworkParams;
  /** identifies this node in version messages so it can recognise itself */
  readonly nonce = randomBytes(8).toString("hex");
  private readonly peersById = new Map<number, Peer>();
  private readonly targets = new Map<string, Target>();
  private readonly banList = new BanList();
  private readonly txRequests = new Map<Hash, { peer: Peer; at: number }>();
  private readonly sync: BlockSync;
  private readonly maxPayload: number;
  private server?: Server;
  private wss?: WebSocketServer;
  private heartbeat?: ReturnType<typeof setInterval>;
  private nextId = 1;
  private _port: number;
  private enabled = true;
  private closed = false;

  constructor(
    private readonly host: P2PHost,
    opts: P2POptions,
  ) {
    this.opts = {
      params: opts.params,
      port: opts.port ?? DEFAULT_P2P_PORT,
      bind: opts.bind ?? "127.0.0.1",
      advertise: opts.advertise,
      peers: opts.peers ?? [],
      maxPeers: opts.maxPeers ?? 32,
      pingIntervalMs: opts.pingIntervalMs ?? 15_000,
      pingTimeoutMs: opts.pingTimeoutMs ?? 30_000,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      blockStallMs: opts.blockStallMs ?? 60_000,
      banSeconds: opts.banSeconds ?? 600,
      reconnectBaseMs: opts.reconnectBaseMs ?? 1_000,
      reconnectMaxMs: opts.reconnectMaxMs ?? 60_000,
      maxBlocksInFlight: opts.maxBlocksInFlight ?? 16,
    };
    this.params = opts.params;
    this._port = this.opts.port;
    this.maxPayload = maxMessageBytes(this.params);
    this.sync = new BlockSync({
      host,
      params: this.params,
      maxBlocksInFlight: this.opts.maxBlocksInFlight,
      readyPeers: () => this.readyPeers(),
      misbehave: (p, score, why) => this.misbehave(p, score, why),
      relayBlock: (h) => this.announceBlock(h),
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
    if (this.server) throw new Error("P2PNode.start() was already called");
    const server = createServer((_req, res) => {
      res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" });
      res.end("This is a UTXOLab peer-to-peer port: connect with a WebSocket client (see docs/protocol.md).\n");
    });
    // Garbage that is not even HTTP: drop the socket; there is no peer yet to blame.
    server.on("clientError", (_err, socket) => socket.destroy());
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.maxPayload, perMessageDeflate: false });
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", () => socket.destroy());
      if (this.closed || !this.enabled) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.onInbound(ws, req));
    });
    await new Promise<void>((resolve, reject) => {
      // code and port kept: the command line turns EADDRINUSE into advice on --p2p-port
      const onError = (e: NodeJS.ErrnoException) =>
        reject(
          Object.assign(new Error(`cannot listen for peers on ${this.opts.bind}:${this.opts.port}: ${e.message}`), {
            code: e.code,
            port: this.opts.port,
          }),
        );
      server.once("error", onError);
      server.listen(this.opts.port, this.opts.bind, () => {
        server.off("error", onError);
        resolve();
      });
    });
    server.on("error", (e) => this.host.log(`p2p server error: ${e.message}`));
    this.server = server;
    this.wss = wss;
    const addr = server.address();
    if (addr && typeof addr === "object") this._port = addr.port;
    const tick = Math.max(10, Math.min(this.opts.pingIntervalMs, this.opts.pingTimeoutMs, this.opts.handshakeTimeoutMs) / 4);
    this.heartbeat = setInterval(() => this.onHeartbeat(), tick);
    for (const u of this.opts.peers) this.addPeer(u);
  }

  // ---------------------------------------------------------------- connections

  /** Keeps a connection to `url` (addnode): dialled now, redialled with backoff whenever it drops. */
  addPeer(url: string): void {
    if (portOfUrl(url) === undefined) throw new Error(`peer URL ${JSON.stringify(url)} is not ws://HOST:PORT`);
    if (this.targets.has(url)) return;
    const t: Target = { url, attempt: 0, notBefore: 0, self: false };
    this.targets.set(url, t);
    if (this.server) this.dial(t);
  }

  /** Stops dialling `url` and drops its connection. */
  removePeer(url: string): boolean {
    const t = this.targets.get(url);
    if (!t) return false;
    this.targets.delete(url);
    this.clearTimer(t);
    if (t.peer && t.peer.ws.readyState === t.peer.ws.CONNECTING) t.peer.ws.terminate();
    if (t.peer) this.disconnect(t.peer, "removed from the peer list");
    return true;
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
      for (const t of this.targets.values()) {
        this.clearTimer(t);
        if (t.peer && t.peer.ws.readyState === t.peer.ws.CONNECTING) t.peer.ws.terminate();
      }
      for (const p of [...this.peersById.values()]) this.disconnect(p, "network switched off");
      this.host.log("network switched off: all peers dropped");
      return;
    }
    this.host.log("network switched on");
    for (const t of this.targets.values()) {
      t.attempt = 0;
      this.dial(t);
    }
  }

  get networkEnabled(): boolean {
    return this.enabled;
  }

  private clearTimer(t: Target): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
  }

  private dial(t: Target): void {
    if (this.closed || !this.enabled || t.self || t.peer || this.targets.get(t.url) !== t) return;
    this.clearTimer(t);
    const wait = t.notBefore - Date.now();
    if (wait > 0) {
      t.timer = setTimeout(() => this.dial(t), wait);
      return;
    }
    let ws: WebSocket;
    try {
      ws = new WebSocket(t.url, { maxPayload: this.maxPayload, perMessageDeflate: false, handshakeTimeout: this.opts.handshakeTimeoutMs });
    } catch (e) {
      this.host.log(`cannot dial ${t.url}: ${errText(e)}`);
      return;
    }
    const peer = new Peer(this.nextId++, ws, false, "unknown", portOfUrl(t.url) ?? 0, t.url);
    t.peer = peer;
    let opened = false;
    ws.on("open", () => {
      const sock = (ws as unknown as { _socket?: { remoteAddress?: string; remotePort?: number } })._socket;
      peer.address = normalizeAddress(sock?.remoteAddress);
      if (this.closed || !this.enabled || this.targets.get(t.url) !== t) {
        peer.closeReason = "network switched off";
        ws.close(1000, "network switched off");
        return;
      }
      const ban = this.banList.get(peer.key);
      if (ban) {
        t.notBefore = ban.until;
        peer.closeReason = `not connecting: ${peer.key} is banned for another ${secondsLeft(ban)} s (${ban.reason})`;
        ws.close(1008, "banned");
        return;
      }
      opened = true;
      this.attach(peer);
    });
    ws.on("error", (e) => {
      if (!opened) peer.closeReason ??= `cannot connect: ${errText(e)}`;
      else this.onSocketError(peer, e);
    });
    ws.on("close", () => {
      if (!opened) {
        peer.state = "closed";
        if (t.peer === peer) t.peer = undefined;
        const delay = this.scheduleRedial(t);
        if (delay !== undefined) {
          this.host.log(`${t.url}: ${peer.closeReason ?? "connection failed"}; retrying in ${formatDelay(delay)}`);
        }
      }
    });
  }

  /** Returns the delay chosen, or undefined when the target is not to be redialled. */
  private scheduleRedial(t: Target): number | undefined {
    if (this.closed || !this.enabled || t.self || this.targets.get(t.url) !== t || t.timer) return undefined;
    const backoff = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectBaseMs * 2 ** Math.min(t.attempt, 30));
    t.attempt++;
    const delay = Math.max(backoff, t.notBefore - Date.now());
    t.timer = setTimeout(() => {
      t.timer = undefined;
      this.dial(t);
    }, delay);
    return delay;
  }

  private onInbound(ws: WebSocket, req: IncomingMessage): void {
    const peer = new Peer(this.nextId++, ws, true, normalizeAddress(req.socket.remoteAddress), req.socket.remotePort ?? 0);
    if (this.peersById.size >= this.opts.maxPeers) {
      peer.refused = true;
      peer.send({
        type: "reject",
        reason: "too-many-peers",
        detail: `this node already has ${this.peersById.size} peers (limit ${this.opts.maxPeers})`,
      });
      ws.close(1013, "too many peers");
      ws.on("error", () => {});
      this.host.log(`refused inbound ${peer.remote}: too-many-peers (limit ${this.opts.maxPeers})`);
      return;
    }
    ws.on("error", (e) => this.onSocketError(peer, e));
    this.attach(peer);
  }

  /** A socket is open in either direction: start the handshake. */
  private attach(peer: Peer): void {
    this.peersById.set(peer.id, peer);
    const ws = peer.ws;
    ws.on("message", (data, isBinary) => this.onFrame(peer, data, isBinary));
    ws.on("close", (code, reason) => this.onClosed(peer, code, reason.toString()));
    peer.send(this.versionMessage());
  }

  private versionMessage(): VersionMsg {
    return {
      type: "version",
      protocol: PROTOCOL_VERSION,
      genesis: this.host.genesisHash,
      height: this.safeHeight(),
      userAgent: this.host.userAgent,
      nonce: this.nonce,
      listen: this.server ? this.url : null,
    };
  }

  private safeHeight(): number {
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

  private disconnect(peer: Peer, why: string): void {
    peer.closeReason ??= why;
    if (peer.state === "closed" || peer.closing) return;
    peer.closing = true;
    try {
      peer.ws.close(1000, why.slice(0, 120));
    } catch {
      peer.ws.terminate();
    }
    // A peer that ignores the closing handshake is cut off anyway.
    setTimeout(() => {
      if (peer.ws.readyState !== peer.ws.CLOSED) peer.ws.terminate();
    }, 2_000).unref();
  }

  private onClosed(peer: Peer, code: number, reason: string): void {
    const wasReady = peer.state === "ready";
    peer.state = "closed";
    this.peersById.delete(peer.id);
    this.sync.peerGone(peer);
    for (const h of peer.txAwaiting) if (this.txRequests.get(h)?.peer === peer) this.txRequests.delete(h);
    peer.txAwaiting.clear();
    const why =
      peer.closeReason ??
      (reason ? `closed by the peer: ${reason}` : code === 1006 ? "connection lost" : `closed by the peer (code ${code})`);
    const t = peer.dialUrl ? this.targets.get(peer.dialUrl) : undefined;
    let delay: number | undefined;
    if (t && t.peer === peer) {
      t.peer = undefined;
      delay = this.scheduleRedial(t);
    }
    const retry = delay === undefined ? "" : `; retrying in ${formatDelay(delay)}`;
    if (wasReady) this.host.log(`${peer.label} left: ${why}${retry}`);
    else if (t) this.host.log(`${t.url}: ${why}${retry}`);
  }

  // ---------------------------------------------------------------- misbehaviour

  private misbehave(peer: Peer, score: number, why: string): void {
    if (peer.state === "closed" || peer.closing) return;
    peer.banScore += score;
    if (peer.banScore < BAN_THRESHOLD) {
      this.host.log(`${peer.label}: ${why} (ban score ${peer.banScore}/${BAN_THRESHOLD})`);
      return;
    }
    const ban = this.banList.ban(peer.key, this.opts.banSeconds, why);
    const t = peer.dialUrl ? this.targets.get(peer.dialUrl) : undefined;
    if (t) t.notBefore = ban.until;
    this.host.log(`${peer.label} banned for ${this.opts.banSeconds} s as ${peer.key}: ${why}`);
    peer.refused = true;
    peer.send({ type: "reject", reason: "banned", detail: `you are banned for ${this.opts.banSeconds} s: ${why}` });
    this.disconnect(peer, `banned: ${why}`);
  }

  /** Refuses a connection during the handshake: tells the peer why, logs it, closes. */
  private refuse(peer: Peer, reason: string, detail: string): void {
    peer.refused = true;
    this.host.log(`refused ${peer.label}: ${reason}: ${detail}`);
    peer.send({ type: "reject", reason, detail });
    this.disconnect(peer, `refused: ${reason}`);
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

  private onFrame(peer: Peer, data: WebSocket.RawData, isBinary: boolean): void {
    if (peer.state === "closed" || peer.closing) return;
    try {
      if (isBinary) {
        this.misbehave(peer, BAN_THRESHOLD, "sent a binary frame (messages are JSON text)");
        return;
      }
      const text = Buffer.isBuffer(data)
        ? data.toString("utf8")
        : Array.isArray(data)
          ? Buffer.concat(data).toString("utf8")
          : Buffer.from(data).toString("utf8");
      const parsed = parseMessage(text);
      if (!parsed.ok) {
        const early = peer.state !== "ready";
        if (parsed.unknown !== undefined && !early) this.misbehave(peer, SCORE_UNKNOWN_TYPE, parsed.error);
        else this.misbehave(peer, BAN_THRESHOLD, `sent a malformed message: ${parsed.error}`);
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
      if (m.type === "version") this.onVersion(peer, m);
      else if (m.type === "verack") this.onVerack(peer);
      else this.onReject(peer, m.reason, m.detail);
      return;
    }
    if (peer.state !== "ready") {
      this.misbehave(peer, BAN_THRESHOLD, `sent ${m.type} before the handshake finished`);
      return;
    }
    switch (m.type) {
      case "ping":
        peer.height = m.height;
        peer.send({ type: "pong", nonce: m.nonce, height: this.safeHeight() });
        break;
      case "pong":
        if (m.nonce === peer.pingNonce) {
          peer.pingMs = Date.now() - peer.pingSentAt;
          peer.pingNonce = undefined;
          peer.height = m.height;
        }
        break;
      case "inv":
        this.onInv(peer, m.txs, m.blocks);
        break;
      case "getdata":
        this.onGetData(peer, m.txs, m.blocks);
        break;
      case "notfound":
        for (const h of m.txs) {
          if (peer.txAwaiting.delete(h) && this.txRequests.get(h)?.peer === peer) this.txRequests.delete(h);
        }
        this.sync.onNotFound(peer, m.blocks);
        break;
      case "tx":
        this.onTx(peer, m.tx, m.raw);
        break;
      case "block":
        this.sync.onBlock(peer, m.block, m.raw);
        break;
      case "getheaders":
        this.serve(peer, 1, async () => {
          const hs = this.host.headersAfter(m.locator, m.stop, MAX_HEADERS).slice(0, MAX_HEADERS);
          peer.send(headersMessage(hs));
        });
        break;
      case "headers":
        this.sync.onHeaders(peer, m.headers);
        break;
    }
  }

  private onVersion(peer: Peer, v: VersionMsg): void {
    if (peer.version) {
      this.misbehave(peer, SCORE_REPEAT_HANDSHAKE, "sent version twice");
      return;
    }
    peer.version = v;
    peer.height = v.height;
    peer.listenPort = v.listen ? portOfUrl(v.listen) : undefined;
    if (v.nonce === this.nonce) {
      const t = peer.dialUrl ? this.targets.get(peer.dialUrl) : undefined;
      if (t) t.self = true;
      this.refuse(peer, "self-connection", `${peer.inbound ? "this connection comes from" : `${peer.url} is`} this node itself`);
      return;
    }
    if (v.protocol < MIN_PROTOCOL_VERSION) {
      this.refuse(peer, "obsolete", `protocol version ${v.protocol} is below ${MIN_PROTOCOL_VERSION}; upgrade the node`);
      return;
    }
    if (v.genesis !== this.host.genesisHash) {
      this.refuse(
        peer,
        "wrong-network",
        `this node's genesis block is ${this.host.genesisHash} (${this.params.name}), the peer's is ${v.genesis}; connect only nodes of the same network`,
      );
      return;
    }
    const ban = this.banList.get(peer.key);
    if (ban) {
      this.refuse(peer, "banned", `${peer.key} is banned for another ${secondsLeft(ban)} s: ${ban.reason}`);
      return;
    }
    peer.accepted = true;
    peer.send({ type: "verack" });
    if (peer.gotVerack) this.onReady(peer);
  }

  private onVerack(peer: Peer): void {
    if (!peer.version) {
      this.misbehave(peer, BAN_THRESHOLD, "sent verack before version");
      return;
    }
    if (peer.gotVerack) {
      this.misbehave(peer, SCORE_REPEAT_HANDSHAKE, "sent verack twice");
      return;
    }
    peer.gotVerack = true;
    if (peer.accepted) this.onReady(peer);
  }

  private onReject(peer: Peer, reason: string, detail?: string): void {
    const text = formatReject({ reason, detail });
    if (peer.state !== "ready") {
      peer.closeReason = `refused by the peer: ${text}`;
      if (!peer.refused) this.host.log(`${peer.label} refused the connection: ${text}`);
    } else {
      this.host.log(`${peer.label} says: ${text}`);
    }
  }

  private onReady(peer: Peer): void {
    peer.state = "ready";
    peer.lastPingAt = Date.now();
    const t = peer.dialUrl ? this.targets.get(peer.dialUrl) : undefined;
    if (t) {
      t.attempt = 0;
      t.notBefore = 0;
    }
    this.host.log(
      `${peer.label} joined: ${peer.inbound ? "inbound" : "outbound"}, ${JSON.stringify(peer.userAgent)}, height ${peer.height}, listens on ${peer.version?.listen ?? "nothing"}`,
    );
    this.sync.requestHeaders(peer);
  }

  private onInv(peer: Peer, txs: Hash[], blocks: Hash[]): void {
    const want: Hash[] = [];
    const now = Date.now();
    for (const h of txs) {
      peer.knownInv.add(h);
      if (this.txRequests.has(h) || peer.txAwaiting.size + want.length >= MAX_TX_REQUESTS || this.host.hasTx(h)) continue;
      want.push(h);
    }
    for (const h of want) {
      this.txRequests.set(h, { peer, at: now });
      peer.txAwaiting.add(h);
    }
    for (let i = 0; i < want.length; i += MAX_GETDATA) peer.send({ type: "getdata", txs: want.slice(i, i + MAX_GETDATA) });
    if (blocks.length > 0) {
      for (const h of blocks) peer.knownInv.add(h);
      this.sync.onInvBlocks(peer, blocks);
    }
  }

  /** Runs requests of one peer one at a time, in order; bounded so a peer cannot queue unbounded work. */
  private serve(peer: Peer, items: number, fn: () => Promise<void>): void {
    if (peer.servePending + items > MAX_SERVE_PENDING) {
      this.misbehave(peer, SCORE_REQUEST_FLOOD, `asked for ${peer.servePending + items} items before earlier requests were served`);
      return;
    }
    peer.servePending += items;
    peer.serving = peer.serving
      .then(async () => {
        // a peer that does not read its answers gets no more of them: its requests pile up and hit the bound
        await this.drained(peer);
        if (peer.open) await fn();
      })
      .catch((e) => this.host.log(`error serving ${peer.label}: ${errText(e)}`))
      .finally(() => {
        peer.servePending -= items;
      });
  }

  private onGetData(peer: Peer, txs: Hash[], blocks: Hash[]): void {
    this.serve(peer, txs.length + blocks.length, async () => {
      const missingTxs: Hash[] = [];
      for (const h of txs) {
        const raw = this.host.getTx(h);
        if (!raw) {
          missingTxs.push(h);
          continue;
        }
        peer.knownInv.add(h);
        peer.send(txMessage(raw));
        // one getdata may name a big transaction a thousand times: answers wait for the peer to read
        await this.drained(peer);
        if (!peer.open) return;
      }
      const missingBlocks: Hash[] = [];
      for (const h of blocks) {
        const raw = await this.host.getBlock(h);
        if (!peer.open) return;
        if (!raw) {
          missingBlocks.push(h);
          continue;
        }
        peer.knownInv.add(h);
        peer.send(blockMessage(raw));
        await this.drained(peer);
      }
      if (missingTxs.length + missingBlocks.length > 0) peer.send({ type: "notfound", txs: missingTxs, blocks: missingBlocks });
    });
  }

  /** Waits while the socket holds more than SEND_HIGH_WATER unsent bytes: a slow reader slows us, it does not fill our memory. */
  private async drained(peer: Peer): Promise<void> {
    while (peer.open && peer.ws.bufferedAmount > SEND_HIGH_WATER) await new Promise((r) => setTimeout(r, 5));
  }

  private onTx(peer: Peer, tx: Parameters<P2PHost["submitTx"]>[0], raw: Uint8Array): void {
    const id = txid(tx);
    peer.knownInv.add(id);
    if (peer.txAwaiting.delete(id) && this.txRequests.get(id)?.peer === peer) this.txRequests.delete(id);
    if (this.host.hasTx(id)) return;
    const r = this.host.submitTx(tx, raw);
    if (r.ok) {
      this.announceTx(id);
      return;
    }
    if (r.misbehaving) this.misbehave(peer, BAN_THRESHOLD, `sent transaction ${id} that breaks a consensus rule: ${formatReject(r)}`);
  }

  // ---------------------------------------------------------------- outgoing

  /** Tells every peer that does not know it yet (idempotent: each peer hears of a hash once). */
  announceTx(id: Hash): void {
    for (const p of this.readyPeers()) {
      if (p.knownInv.has(id)) continue;
      p.knownInv.add(id);
      p.pendingTxInv.push(id);
      this.scheduleFlush(p);
    }
  }

  announceBlock(hash: Hash): void {
    for (const p of this.readyPeers()) {
      if (p.knownInv.has(hash)) continue;
      p.knownInv.add(hash);
      p.pendingBlockInv.push(hash);
      this.scheduleFlush(p);
    }
  }

  /** Announcements made in one turn of the event loop travel in one inv. */
  private scheduleFlush(p: Peer): void {
    if (p.flushScheduled) return;
    p.flushScheduled = true;
    setImmediate(() => {
      p.flushScheduled = false;
      const txs = p.pendingTxInv;
      const blocks = p.pendingBlockInv;
      p.pendingTxInv = [];
      p.pendingBlockInv = [];
      for (let i = 0; i < blocks.length; i += INV_CHUNK) p.send({ type: "inv", blocks: blocks.slice(i, i + INV_CHUNK) });
      for (let i = 0; i < txs.length; i += INV_CHUNK) p.send({ type: "inv", txs: txs.slice(i, i + INV_CHUNK) });
    });
  }

  // ---------------------------------------------------------------- timers

  private onHeartbeat(): void {
    const now = Date.now();
    for (const p of [...this.peersById.values()]) {
      if (p.state === "handshake") {
        if (now - p.connectedAt > this.opts.handshakeTimeoutMs)
          this.disconnect(p, `no handshake within ${this.opts.handshakeTimeoutMs} ms`);
        continue;
      }
      if (p.state !== "ready") continue;
      if (p.pingNonce !== undefined) {
        if (now - p.pingSentAt > this.opts.pingTimeoutMs) {
          this.disconnect(p, `no pong within ${this.opts.pingTimeoutMs} ms`);
          continue;
        }
      } else if (now - p.lastPingAt >= this.opts.pingIntervalMs) {
        p.pingNonce = randomBytes(8).toString("hex");
        p.pingSentAt = now;
        p.lastPingAt = now;
        p.send({ type: "ping", nonce: p.pingNonce, height: this.safeHeight() });
      }
      if (p.awaiting.size > 0 && now - p.lastBlockProgressAt > this.opts.blockStallMs) {
        this.disconnect(p, `stalled: ${p.awaiting.size} requested blocks, none delivered in ${this.opts.blockStallMs} ms`);
      }
    }
    for (const [h, r] of this.txRequests) {
      if (now - r.at > TX_REQUEST_TIMEOUT_MS) {
        this.txRequests.delete(h);
        r.peer.txAwaiting.delete(h);
      }
    }
  }

  // ---------------------------------------------------------------- inspection

  private *readyPeers(): Iterable<Peer> {
    for (const p of this.peersById.values()) if (p.state === "ready") yield p;
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
      sent: { ...p.sent },
      received: { ...p.received },
    }));
  }

  /** The URLs this node keeps connected to, and where each stands. */
  configuredPeers(): { url: string; connected: boolean; self: boolean; redialScheduled: boolean; failures: number }[] {
    return [...this.targets.values()].map((t) => ({
      url: t.url,
      connected: t.peer?.state === "ready",
      self: t.self,
      redialScheduled: t.timer !== undefined,
      failures: t.attempt,
    }));
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
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const t of this.targets.values()) this.clearTimer(t);
    const all = [...this.peersById.values()];
    for (const t of this.targets.values()) if (t.peer && !all.includes(t.peer)) all.push(t.peer);
    const closedAll = Promise.all(
      all.map((p) => (p.ws.readyState === p.ws.CLOSED ? undefined : new Promise<void>((resolve) => p.ws.once("close", () => resolve())))),
    );
    for (const p of all) {
      p.closeReason ??= "node shutting down";
      if (p.ws.readyState === p.ws.CONNECTING) p.ws.terminate();
      else this.disconnect(p, "node shutting down");
    }
    let grace: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closedAll, new Promise((r) => (grace = setTimeout(r, 1_000)))]);
    clearTimeout(grace);
    for (const p of all) if (p.ws.readyState !== p.ws.CLOSED) p.ws.terminate();
    this.wss?.close();
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.sync.idle();
  }
}

const secondsLeft = (b: Ban): number => Math.max(1, Math.ceil((b.until - Date.now()) / 1000));

const formatDelay = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`);
