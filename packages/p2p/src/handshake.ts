import { formatReject } from "@utxolab/core";
import { type BanList, portOfUrl } from "./bans.js";
import { type Dialer, secondsLeft } from "./dialer.js";
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, type VersionMsg } from "./messages.js";
import { BAN_THRESHOLD, type NodeContext, SCORE_REPEAT_HANDSHAKE } from "./options.js";
import { type Peer, sameNode } from "./peer.js";

/** Unsent bytes beyond which a ping gets no pong. */
const PONG_BACKLOG = 64 * 1024;

export interface HandshakeEnv {
  ctx: NodeContext;
  bans: BanList;
  dialer: Dialer;
  /** identifies this node in version messages so it can recognise itself */
  nonce: string;
  /** the URL we tell peers to dial, null while not listening */
  listenUrl(): string | null;
  /** a peer is ready: start syncing headers with it */
  onReady(peer: Peer): void;
}

/**
 * Per-peer life: the version/verack handshake (who may join), and once joined
 * the ping/pong liveness check and the handshake and stall timeouts.
 */
export class Handshake {
  constructor(private readonly env: HandshakeEnv) {}

  private get ctx(): NodeContext {
    return this.env.ctx;
  }

  versionMessage(): VersionMsg {
    return {
      type: "version",
      protocol: PROTOCOL_VERSION,
      genesis: this.ctx.host.genesisHash,
      height: this.ctx.safeHeight(),
      userAgent: this.ctx.host.userAgent,
      nonce: this.env.nonce,
      listen: this.env.listenUrl(),
    };
  }

  onVersion(peer: Peer, v: VersionMsg): void {
    if (peer.version) {
      this.ctx.misbehave(peer, SCORE_REPEAT_HANDSHAKE, "sent version twice");
      return;
    }
    peer.version = v;
    peer.height = v.height;
    peer.listenPort = v.listen ? portOfUrl(v.listen) : undefined;
    if (v.nonce === this.env.nonce) {
      this.env.dialer.markSelf(peer);
      this.refuse(peer, "self-connection", `${peer.inbound ? "this connection comes from" : `${peer.url} is`} this node itself`);
      return;
    }
    if (v.protocol < MIN_PROTOCOL_VERSION) {
      this.refuse(peer, "obsolete", `protocol version ${v.protocol} is below ${MIN_PROTOCOL_VERSION}; upgrade the node`);
      return;
    }
    const host = this.ctx.host;
    if (v.genesis !== host.genesisHash) {
      this.refuse(
        peer,
        "wrong-network",
        `this node's genesis block is ${host.genesisHash} (${this.ctx.params.name}), the peer's is ${v.genesis}; connect only nodes of the same network`,
      );
      return;
    }
    // A nonce is unproven: anyone can copy an honest node's from its `version`. It proves
    // nothing but a self-connection (our own nonce, above). A newcomer is refused as a
    // duplicate only when a connection *we dialled* holds the same node, and the newcomer only
    // claims it (inbound): the node is already connected, so refusing cannot lock it out.
    // "The same node" is the nonce *and* the remote address (sameNode): a URL we dial may be
    // an attacker's, answering with honest C's nonce; on the nonce alone we refused C's
    // connection and the lower-nonce rule in ready() closed it (issue 12, final attack,
    // dup-frame). The attacker cannot forge the TCP source address C connects from. Any other
    // clash keeps both: a squatter that copied H's nonce must not make us refuse the real H
    // (nonce squatting). What duplicates can occupy is bounded by maxPerAddress and eviction.
    if (peer.inbound) {
      for (const other of this.ctx.readyPeers()) {
        if (other !== peer && !other.inbound && !other.closing && sameNode(other, v.nonce, peer.address)) {
          this.refuse(
            peer,
            "duplicate",
            `this node already dialled ${other.label}, which answered from the same address ${peer.address} with node nonce ${v.nonce}`,
          );
          return;
        }
      }
    }
    const ban = this.env.bans.get(peer.key);
    if (ban) {
      this.refuse(peer, "banned", `${peer.key} is banned for another ${secondsLeft(ban, this.ctx.clock.now())} s: ${ban.reason}`);
      return;
    }
    peer.accepted = true;
    peer.send({ type: "verack" });
    if (peer.gotVerack) this.ready(peer);
  }

  onVerack(peer: Peer): void {
    if (!peer.version) {
      this.ctx.misbehave(peer, BAN_THRESHOLD, "sent verack before version");
      return;
    }
    if (peer.gotVerack) {
      this.ctx.misbehave(peer, SCORE_REPEAT_HANDSHAKE, "sent verack twice");
      return;
    }
    peer.gotVerack = true;
    if (peer.accepted) this.ready(peer);
  }

  onReject(peer: Peer, reason: string, detail?: string): void {
    const text = formatReject({ reason, detail });
    // the node we dialled says it is already connected to us: its dial is the connection
    if (reason === "duplicate" && !peer.inbound && peer.version) this.env.dialer.parkWhileConnected(peer, peer.version.nonce);
    if (peer.state !== "ready") {
      peer.closeReason = `refused by the peer: ${text}`;
      if (!peer.refused) this.ctx.host.log(`${peer.label} refused the connection: ${text}`);
    } else {
      this.ctx.host.log(`${peer.label} says: ${text}`);
    }
  }

  /** Refuses a connection during the handshake: tells the peer why, logs it, closes. */
  refuse(peer: Peer, reason: string, detail: string): void {
    peer.refused = true;
    this.ctx.host.log(`refused ${peer.label}: ${reason}: ${detail}`);
    peer.send({ type: "reject", reason, detail });
    this.ctx.disconnect(peer, `refused: ${reason}`);
  }

  private ready(peer: Peer): void {
    peer.state = "ready";
    this.ctx.peersChanged();
    // Two nodes that dial each other at once can both finish the inbound handshake first, and
    // then each holds two connections to the other (found in review). The node with the lower
    // nonce closes its inbound one once its own dial is ready; the other does nothing, so the
    // two never close both. Only an inbound is closed: a squatter cannot make us drop our dial.
    // Only one from the address our dial reached (sameNode): a dialled attacker answering with
    // C's nonce must not close C's inbound connection.
    if (!peer.inbound && peer.version && this.env.nonce < peer.version.nonce) {
      for (const other of [...this.ctx.readyPeers()]) {
        if (other !== peer && other.inbound && !other.closing && sameNode(other, peer.version.nonce, peer.address)) {
          other.send({
            type: "reject",
            reason: "duplicate",
            detail: `this node dialled ${peer.label}, which answered from the same address with the same node nonce`,
          });
          this.ctx.disconnect(other, `duplicate: this node's own dial to ${peer.label} is ready`);
        }
      }
    }
    peer.lastPingAt = this.ctx.clock.now();
    this.env.dialer.onReady(peer);
    this.ctx.host.log(
      `${peer.label} joined: ${peer.inbound ? "inbound" : "outbound"}, ${JSON.stringify(peer.userAgent)}, height ${peer.height}, listens on ${peer.version?.listen ?? "nothing"}`,
    );
    this.env.onReady(peer);
  }

  onPing(peer: Peer, nonce: string, height: number): void {
    peer.height = height;
    // A pong waits for the peer to read the last ones: pings sent faster than their pongs are
    // read go unanswered instead of filling our memory (issue 12, attack 2).
    if (peer.socket.bufferedAmount > PONG_BACKLOG) return;
    peer.send({ type: "pong", nonce, height: this.ctx.safeHeight() });
  }

  onPong(peer: Peer, nonce: string, height: number): void {
    if (nonce === peer.pingNonce) {
      peer.pingMs = this.ctx.clock.now() - peer.pingSentAt;
      peer.pingNonce = undefined;
      peer.height = height;
    }
  }

  /** One heartbeat for one peer: handshake timeout, ping due or overdue, block download stalled. */
  check(p: Peer, now: number): void {
    const opts = this.ctx.opts;
    if (p.state === "handshake") {
      if (now - p.connectedAt > opts.handshakeTimeoutMs) this.ctx.disconnect(p, `no handshake within ${opts.handshakeTimeoutMs} ms`);
      return;
    }
    if (p.state !== "ready") return;
    if (p.pingNonce !== undefined) {
      if (now - p.pingSentAt > opts.pingTimeoutMs) {
        this.ctx.disconnect(p, `no pong within ${opts.pingTimeoutMs} ms`);
        return;
      }
    } else if (now - p.lastPingAt >= opts.pingIntervalMs) {
      p.pingNonce = opts.randomHex(8);
      p.pingSentAt = now;
      p.lastPingAt = now;
      p.send({ type: "ping", nonce: p.pingNonce, height: this.ctx.safeHeight() });
    }
    if (p.awaiting.size > 0 && now - p.lastBlockProgressAt > opts.blockStallMs) {
      this.ctx.stalled(p, `stalled: ${p.awaiting.size} requested blocks, none delivered in ${opts.blockStallMs} ms`);
      return;
    }
    // Each requested block has its own deadline, so dripping one block at a time does not
    // reset it (issue 12, attack 5). A block another peer also has gets far less: the
    // adaptive stall window of BlockSync.checkStalls.
    for (const [h, at] of p.requestedAt) {
      const age = now - at;
      if (age > opts.blockTimeoutMs) {
        this.ctx.stalled(p, `stalled: block ${h} asked ${age} ms ago and not delivered (timeout ${opts.blockTimeoutMs} ms)`);
        return;
      }
      break; // the map is in request order: the oldest decides
    }
  }
}
