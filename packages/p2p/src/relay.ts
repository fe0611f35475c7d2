import { formatReject, type Hash, txid } from "@utxolab/core";
import type { P2PHost } from "./host.js";
import { internHash } from "./intern.js";
import { blockMessage, headersMessage, MAX_GETDATA, MAX_HEADERS, txMessage } from "./messages.js";
import { BAN_THRESHOLD, type NodeContext, SCORE_REQUEST_FLOOD, SCORE_TX_NOT_SERVED } from "./options.js";
import type { Peer } from "./peer.js";
import { errText } from "./sync.js";

/** Transactions asked of one peer and not yet delivered; announcements beyond are not even looked at. */
const MAX_TX_REQUESTS = 1_000;
/** Peers remembered per requested transaction, to ask the next one if the first does not deliver. */
const MAX_ANNOUNCERS = 8;
/** getdata items waiting to be served for one peer; beyond this its requests are dropped */
const MAX_SERVE_PENDING = 4 * MAX_GETDATA;
/** bytes queued on a socket before the node waits for it to drain */
const SEND_HIGH_WATER = 1024 * 1024;
const INV_CHUNK = 1_000;

/**
 * Inventory relay: announcing what we have (inv, batched per turn), fetching
 * what peers announce (transactions here, blocks through BlockSync), and
 * serving getdata/getheaders one request at a time with backpressure.
 */
export class Relay {
  /**
   * Transactions asked of one peer, with the other peers that announced them: if the
   * first does not deliver within txRequestTimeoutMs, the next is asked, so a peer that
   * announces first and never serves cannot censor a transaction (issue 12, attack 9).
   */
  private readonly txRequests = new Map<Hash, { peer: Peer; at: number; others: Peer[] }>();

  constructor(
    private readonly ctx: NodeContext,
    /** announced blocks go to the headers-first download */
    private readonly onInvBlocks: (peer: Peer, blocks: Hash[]) => void,
  ) {}

  onInv(peer: Peer, txs: Hash[], blocks: Hash[]): void {
    const want: Hash[] = [];
    const now = this.ctx.clock.now();
    for (const announced of txs) {
      const h = internHash(announced);
      peer.knownInv.add(h);
      const asked = this.txRequests.get(h);
      if (asked) {
        if (asked.peer !== peer && asked.others.length < MAX_ANNOUNCERS && !asked.others.includes(peer)) asked.others.push(peer);
        continue;
      }
      if (peer.txAwaiting.size + want.length >= MAX_TX_REQUESTS) break;
      if (this.ctx.host.hasTx(h)) continue;
      want.push(h);
    }
    for (const h of want) {
      this.txRequests.set(h, { peer, at: now, others: [] });
      peer.txAwaiting.add(h);
    }
    for (let i = 0; i < want.length; i += MAX_GETDATA) peer.send({ type: "getdata", txs: want.slice(i, i + MAX_GETDATA) });
    if (blocks.length > 0) {
      const named = blocks.map(internHash);
      for (const h of named) peer.knownInv.add(h);
      this.onInvBlocks(peer, named);
    }
  }

  onNotFoundTxs(peer: Peer, txs: Hash[]): void {
    for (const h of txs) {
      if (peer.txAwaiting.delete(h) && this.txRequests.get(h)?.peer === peer) this.askNext(h, this.ctx.clock.now());
    }
  }

  /** The peer asked for `h` did not deliver: ask the next announcer still connected, or forget it. */
  private askNext(h: Hash, now: number): void {
    const r = this.txRequests.get(h);
    if (!r) return;
    for (let next = r.others.shift(); next; next = r.others.shift()) {
      if (!next.open || next.state !== "ready" || next.closing) continue;
      r.peer = next;
      r.at = now;
      next.txAwaiting.add(h);
      next.send({ type: "getdata", txs: [h] });
      return;
    }
    this.txRequests.delete(h);
  }

  /**
   * Waits until the peer's upload budget allows `bytes` more: every answer it asks for
   * is paid from a bucket refilled at uploadBytesPerSecond (burst: 4 seconds' worth), so
   * a cheap request (one getheaders, a getdata for big blocks) cannot make us push
   * gigabytes (issue 12, attack 4). The peer is slowed, not punished.
   */
  private async budget(peer: Peer, bytes: number): Promise<void> {
    const rate = this.ctx.opts.uploadBytesPerSecond;
    const burst = 4 * rate;
    for (;;) {
      const now = this.ctx.clock.now();
      peer.uploadTokens = Math.min(burst, peer.uploadTokens + ((now - peer.uploadAt) / 1000) * rate);
      peer.uploadAt = now;
      if (peer.uploadTokens >= Math.min(bytes, burst) || !peer.open) break;
      const waitMs = Math.ceil(((Math.min(bytes, burst) - peer.uploadTokens) / rate) * 1000);
      await new Promise<void>((r) => this.ctx.clock.setTimeout(r, Math.max(5, Math.min(waitMs, 1_000))));
    }
    peer.uploadTokens -= bytes;
  }

  /** Sends an answer once the budget allows and the socket has drained. */
  private async answer(peer: Peer, m: Parameters<Peer["send"]>[0], bytes: number): Promise<void> {
    await this.budget(peer, bytes);
    if (!peer.open) return;
    peer.send(m);
    await this.drained(peer);
  }

  /** Runs requests of one peer one at a time, in order; bounded so a peer cannot queue unbounded work. */
  serve(peer: Peer, items: number, fn: () => Promise<void>): void {
    if (peer.servePending + items > MAX_SERVE_PENDING) {
      this.ctx.misbehave(peer, SCORE_REQUEST_FLOOD, `asked for ${peer.servePending + items} items before earlier requests were served`);
      return;
    }
    peer.servePending += items;
    peer.serving = peer.serving
      .then(async () => {
        // a peer that does not read its answers gets no more of them: its requests pile up and hit the bound
        await this.drained(peer);
        if (peer.open) await fn();
      })
      .catch((e) => this.ctx.host.log(`error serving ${peer.label}: ${errText(e)}`))
      .finally(() => {
        peer.servePending -= items;
      });
  }

  onGetHeaders(peer: Peer, locator: Hash[], stop: Hash | undefined): void {
    this.serve(peer, 1, async () => {
      const hs = this.ctx.host.headersAfter(locator, stop, MAX_HEADERS).slice(0, MAX_HEADERS);
      await this.answer(peer, headersMessage(hs), 32 + hs.length * 163);
    });
  }

  onGetData(peer: Peer, txs: Hash[], blocks: Hash[]): void {
    this.serve(peer, txs.length + blocks.length, async () => {
      const missingTxs: Hash[] = [];
      for (const h of txs) {
        const raw = this.ctx.host.getTx(h);
        if (!raw) {
          missingTxs.push(h);
          continue;
        }
        peer.knownInv.add(internHash(h));
        // one getdata may name a big transaction a thousand times: answers wait for the budget and for the peer to read
        await this.answer(peer, txMessage(raw), 32 + 2 * raw.length);
        if (!peer.open) return;
      }
      const missingBlocks: Hash[] = [];
      for (const h of blocks) {
        const raw = await this.ctx.host.getBlock(h);
        if (!peer.open) return;
        if (!raw) {
          missingBlocks.push(h);
          continue;
        }
        peer.knownInv.add(internHash(h));
        await this.answer(peer, blockMessage(raw), 32 + 2 * raw.length);
        if (!peer.open) return;
      }
      if (missingTxs.length + missingBlocks.length > 0) peer.send({ type: "notfound", txs: missingTxs, blocks: missingBlocks });
    });
  }

  /** Waits while the socket holds more than SEND_HIGH_WATER unsent bytes: a slow reader slows us, it does not fill our memory. */
  private async drained(peer: Peer): Promise<void> {
    while (peer.open && peer.socket.bufferedAmount > SEND_HIGH_WATER) await new Promise<void>((r) => this.ctx.clock.setTimeout(r, 5));
  }

  onTx(peer: Peer, tx: Parameters<P2PHost["submitTx"]>[0], raw: Uint8Array): void {
    const id = internHash(txid(tx));
    peer.knownInv.add(id);
    if (peer.txAwaiting.delete(id) && this.txRequests.get(id)?.peer === peer) this.txRequests.delete(id);
    const host = this.ctx.host;
    if (host.hasTx(id)) return;
    const r = host.submitTx(tx, raw);
    if (r.ok) {
      peer.lastTxAt = this.ctx.clock.now();
      this.announceTx(id);
      return;
    }
    if (r.misbehaving) this.ctx.misbehave(peer, BAN_THRESHOLD, `sent transaction ${id} that breaks a consensus rule: ${formatReject(r)}`);
  }

  /** Tells every peer that does not know it yet (idempotent: each peer hears of a hash once). */
  announceTx(id: Hash): void {
    for (const p of this.ctx.readyPeers()) {
      if (p.knownInv.has(id)) continue;
      p.knownInv.add(id);
      p.pendingTxInv.push(id);
      this.scheduleFlush(p);
    }
  }

  announceBlock(hash: Hash): void {
    for (const p of this.ctx.readyPeers()) {
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
    this.ctx.clock.setImmediate(() => {
      p.flushScheduled = false;
      const txs = p.pendingTxInv;
      const blocks = p.pendingBlockInv;
      p.pendingTxInv = [];
      p.pendingBlockInv = [];
      for (let i = 0; i < blocks.length; i += INV_CHUNK) p.send({ type: "inv", blocks: blocks.slice(i, i + INV_CHUNK) });
      for (let i = 0; i < txs.length; i += INV_CHUNK) p.send({ type: "inv", txs: txs.slice(i, i + INV_CHUNK) });
    });
  }

  /** A request unanswered for txRequestTimeoutMs goes to the next announcer; the peer that kept it is scored. */
  expireTxRequests(now: number): void {
    const late = new Map<Peer, number>();
    for (const [h, r] of [...this.txRequests]) {
      if (now - r.at > this.ctx.opts.txRequestTimeoutMs) {
        r.peer.txAwaiting.delete(h);
        late.set(r.peer, (late.get(r.peer) ?? 0) + 1);
        this.askNext(h, now);
      }
    }
    for (const [p, n] of late) {
      this.ctx.misbehave(
        p,
        SCORE_TX_NOT_SERVED,
        `announced ${n} transaction(s), was asked, and sent neither them nor notfound within ${this.ctx.opts.txRequestTimeoutMs} ms`,
      );
    }
  }

  peerGone(peer: Peer): void {
    const now = this.ctx.clock.now();
    for (const h of [...peer.txAwaiting]) if (this.txRequests.get(h)?.peer === peer) this.askNext(h, now);
    peer.txAwaiting.clear();
  }
}
