import { formatReject, type Hash, txid } from "@utxolab/core";
import type { P2PHost } from "./host.js";
import { blockMessage, headersMessage, MAX_GETDATA, MAX_HEADERS, txMessage } from "./messages.js";
import { BAN_THRESHOLD, type NodeContext, SCORE_REQUEST_FLOOD } from "./options.js";
import type { Peer } from "./peer.js";
import { errText } from "./sync.js";

const MAX_TX_REQUESTS = 5_000;
const TX_REQUEST_TIMEOUT_MS = 60_000;
/** getdata items waiting to be served for one peer; beyond this its requests are dropped */
const MAX_SERVE_PENDING = 4 * MAX_GETDATA;
/** bytes queued on a socket before the node waits for it to drain */
const SEND_HIGH_WATER = 8 * 1024 * 1024;
const INV_CHUNK = 1_000;

/**
 * Inventory relay: announcing what we have (inv, batched per turn), fetching
 * what peers announce (transactions here, blocks through BlockSync), and
 * serving getdata/getheaders one request at a time with backpressure.
 */
export class Relay {
  private readonly txRequests = new Map<Hash, { peer: Peer; at: number }>();

  constructor(
    private readonly ctx: NodeContext,
    /** announced blocks go to the headers-first download */
    private readonly onInvBlocks: (peer: Peer, blocks: Hash[]) => void,
  ) {}

  onInv(peer: Peer, txs: Hash[], blocks: Hash[]): void {
    const want: Hash[] = [];
    const now = this.ctx.clock.now();
    for (const h of txs) {
      peer.knownInv.add(h);
      if (this.txRequests.has(h) || peer.txAwaiting.size + want.length >= MAX_TX_REQUESTS || this.ctx.host.hasTx(h)) continue;
      want.push(h);
    }
    for (const h of want) {
      this.txRequests.set(h, { peer, at: now });
      peer.txAwaiting.add(h);
    }
    for (let i = 0; i < want.length; i += MAX_GETDATA) peer.send({ type: "getdata", txs: want.slice(i, i + MAX_GETDATA) });
    if (blocks.length > 0) {
      for (const h of blocks) peer.knownInv.add(h);
      this.onInvBlocks(peer, blocks);
    }
  }

  onNotFoundTxs(peer: Peer, txs: Hash[]): void {
    for (const h of txs) {
      if (peer.txAwaiting.delete(h) && this.txRequests.get(h)?.peer === peer) this.txRequests.delete(h);
    }
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
      peer.send(headersMessage(hs));
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
        peer.knownInv.add(h);
        peer.send(txMessage(raw));
        // one getdata may name a big transaction a thousand times: answers wait for the peer to read
        await this.drained(peer);
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
        peer.knownInv.add(h);
        peer.send(blockMessage(raw));
        await this.drained(peer);
      }
      if (missingTxs.length + missingBlocks.length > 0) peer.send({ type: "notfound", txs: missingTxs, blocks: missingBlocks });
    });
  }

  /** Waits while the socket holds more than SEND_HIGH_WATER unsent bytes: a slow reader slows us, it does not fill our memory. */
  private async drained(peer: Peer): Promise<void> {
    while (peer.open && peer.socket.bufferedAmount > SEND_HIGH_WATER) await new Promise<void>((r) => this.ctx.clock.setTimeout(r, 5));
  }

  onTx(peer: Peer, tx: Parameters<P2PHost["submitTx"]>[0], raw: Uint8Array): void {
    const id = txid(tx);
    peer.knownInv.add(id);
    if (peer.txAwaiting.delete(id) && this.txRequests.get(id)?.peer === peer) this.txRequests.delete(id);
    const host = this.ctx.host;
    if (host.hasTx(id)) return;
    const r = host.submitTx(tx, raw);
    if (r.ok) {
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

  /** Requests unanswered for a minute are forgotten: another peer's announcement may then be followed. */
  expireTxRequests(now: number): void {
    for (const [h, r] of this.txRequests) {
      if (now - r.at > TX_REQUEST_TIMEOUT_MS) {
        this.txRequests.delete(h);
        r.peer.txAwaiting.delete(h);
      }
    }
  }

  peerGone(peer: Peer): void {
    for (const h of peer.txAwaiting) if (this.txRequests.get(h)?.peer === peer) this.txRequests.delete(h);
    peer.txAwaiting.clear();
  }
}
