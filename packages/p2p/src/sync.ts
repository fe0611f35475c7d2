import { type Block, type BlockHeader, blockHash, checkProofOfWork, formatReject, type Hash, type NetworkParams } from "@utxolab/core";
import type { Clock } from "./clock.js";
import type { P2PHost } from "./host.js";
import { MAX_GETDATA, MAX_HEADERS, MAX_LOCATOR } from "./messages.js";
import { OrphanPool } from "./orphans.js";
import type { Peer } from "./peer.js";

/** Hashes waiting to be downloaded from one peer: a full `headers` batch on top of the low-water mark fits. */
const MAX_QUEUE = 4 * MAX_HEADERS;
/** An unasked block with no more work than our tip: five of them ban (issue 12, attack 6). */
const SCORE_LOW_WORK_BLOCK = 20;
const SCORE_UNREQUESTED_HEADERS = 20;
const SCORE_NOTFOUND_BLOCK = 20;
/** Estimated memory of held orphan blocks (decoded objects included, see estimateBlockMemory). */
const MAX_ORPHAN_MEMORY = 32 * 1024 * 1024;
/** Below this many queued hashes, the next batch of headers is asked for. */
const LOW_WATER = MAX_HEADERS / 4;

export interface SyncEnv {
  host: P2PHost;
  params: NetworkParams;
  clock: Clock;
  maxBlocksInFlight: number;
  readyPeers(): Iterable<Peer>;
  misbehave(peer: Peer, score: number, why: string): void;
  /** announce an accepted block to peers that do not know it */
  relayBlock(hash: Hash): void;
}

/**
 * Headers-first block download. Each peer's headers tell us which blocks it
 * has; they are fetched in chain order, at most `maxBlocksInFlight` per peer,
 * and each hash from one peer at a time. Blocks go to the host one at a time in
 * arrival order; a block whose parent has not arrived waits in the orphan pool.
 * A block only leaves a peer's in-flight window once the host has processed it,
 * so received-but-unchecked blocks are bounded too.
 */
export class BlockSync {
  private readonly inFlight = new Map<Hash, Peer>();
  /** received and waiting for (or in) the host's submitBlock */
  private readonly pending = new Map<Hash, Peer>();
  readonly orphans: OrphanPool;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly env: SyncEnv) {
    this.orphans = new OrphanPool(256, MAX_ORPHAN_MEMORY);
  }

  /** Blocks received but not yet through the host: tests and benchmarks wait for 0. */
  get backlog(): number {
    return this.pending.size;
  }

  /** Resolves once every block received so far has been through the host. */
  idle(): Promise<void> {
    return this.queue;
  }

  private known(h: Hash): boolean {
    return this.env.host.hasBlock(h) || this.inFlight.has(h) || this.pending.has(h) || this.orphans.has(h);
  }

  /** Asks for the headers after our best chain (or after `from`, continuing a previous batch). */
  requestHeaders(peer: Peer, from?: Hash, stop?: Hash): void {
    const ours = this.env.host.locator();
    const locator = (from ? [from, ...ours] : ours).slice(0, MAX_LOCATOR);
    if (peer.send(stop ? { type: "getheaders", locator, stop } : { type: "getheaders", locator }))
      peer.headersRequestedAt = this.env.clock.now();
  }

  onHeaders(peer: Peer, headers: BlockHeader[]): void {
    if (peer.headersRequestedAt === 0) {
      // we only ever learn headers by asking: unasked ones are spam (issue 12: 644k in 90 s)
      this.env.misbehave(peer, SCORE_UNREQUESTED_HEADERS, `sent ${headers.length} headers nobody asked for`);
      return;
    }
    peer.headersRequestedAt = 0;
    if (headers.length === 0) {
      peer.moreHeadersFrom = undefined;
      return;
    }
    const first = headers[0].prevHash;
    if (!this.known(first) && !peer.headerSet.has(first)) {
      this.env.misbehave(peer, 100, `sent headers that do not connect: the first one's parent ${first} is unknown`);
      return;
    }
    const hashes: Hash[] = new Array(headers.length);
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i];
      if (i > 0 && h.prevHash !== hashes[i - 1]) {
        this.env.misbehave(peer, 100, `sent headers that are not a chain: header ${i} does not follow header ${i - 1}`);
        return;
      }
      const hash = blockHash(h);
      if (h.bits !== this.env.params.bits || !checkProofOfWork(hash, h.bits, this.env.params.powLimit)) {
        this.env.misbehave(peer, 100, `sent header ${hash} without valid proof of work (bits 0x${h.bits.toString(16)})`);
        return;
      }
      hashes[i] = hash;
    }
    // Every header carries the network's fixed bits, so work follows height. A last batch
    // (fewer than MAX_HEADERS) whose end is no higher than our tip is a branch with no more
    // work than ours: its blocks are not downloaded (issue 12, attack 6: low-work forks).
    const parentHeight = this.env.host.heightOf?.(first) ?? (first === peer.moreHeadersFrom ? peer.lastHeaderHeight : undefined);
    const endHeight = parentHeight === undefined ? undefined : parentHeight + headers.length;
    const lowWork = headers.length < MAX_HEADERS && endHeight !== undefined && endHeight <= this.env.host.bestHeight();
    for (const hash of hashes) {
      peer.headerSet.add(hash);
      // it has these blocks: never announce them back to it
      peer.knownInv.add(hash);
      if (!lowWork) this.enqueue(peer, hash);
    }
    peer.lastHeaderHeight = endHeight;
    // Ask again after every non-empty batch (hosts may send fewer than MAX_HEADERS); an empty answer ends it.
    peer.moreHeadersFrom = hashes[hashes.length - 1];
    this.fill(peer);
  }

  private enqueue(peer: Peer, hash: Hash): void {
    if (this.known(hash) || peer.queued.has(hash) || peer.queue.length >= MAX_QUEUE) return;
    peer.queue.push(hash);
    peer.queued.add(hash);
  }

  /** An announcement: fetch it (its parent, if missing, is found through headers when it arrives). */
  onInvBlocks(peer: Peer, hashes: Hash[]): void {
    for (const h of hashes) this.enqueue(peer, h);
    this.fill(peer);
  }

  /** Keeps the peer's window of requested blocks full; asks for more headers when its queue runs low. */
  fill(peer: Peer): void {
    if (peer.state !== "ready") return;
    const want: Hash[] = [];
    let i = 0;
    while (peer.inFlight.size + want.length < this.env.maxBlocksInFlight && i < peer.queue.length && want.length < MAX_GETDATA) {
      const h = peer.queue[i++];
      peer.queued.delete(h);
      if (this.known(h)) continue;
      want.push(h);
    }
    if (i > 0) peer.queue = peer.queue.slice(i);
    if (want.length > 0) {
      const now = this.env.clock.now();
      if (peer.awaiting.size === 0) peer.lastBlockProgressAt = now;
      for (const h of want) {
        this.inFlight.set(h, peer);
        peer.inFlight.add(h);
        peer.awaiting.add(h);
        peer.requestedAt.set(h, now);
      }
      peer.send({ type: "getdata", blocks: want });
    }
    if (peer.queue.length < LOW_WATER && peer.moreHeadersFrom && !peer.headersPending) {
      this.requestHeaders(peer, peer.moreHeadersFrom);
    }
  }

  onBlock(peer: Peer, block: Block, raw: Uint8Array): void {
    const hash = blockHash(block.header);
    peer.knownInv.add(hash);
    const requested = this.inFlight.get(hash) === peer;
    if (peer.awaiting.delete(hash)) peer.lastBlockProgressAt = this.env.clock.now();
    peer.requestedAt.delete(hash);
    const waiting = this.pending.get(hash);
    // One copy waiting for the host is enough: resent copies must not pile up.
    if (waiting === peer) return;
    if (waiting || (!requested && this.env.host.hasBlock(hash))) {
      // another peer's copy is on its way through the host: this peer's request is answered
      if (requested) {
        peer.inFlight.delete(hash);
        this.inFlight.delete(hash);
        this.fill(peer);
      }
      return;
    }
    // Blocks nobody asked for wait in the same queue: bounded per peer like requested ones.
    if (!requested && peer.unsolicited >= this.env.maxBlocksInFlight) return;
    if (!requested) peer.unsolicited++;
    this.pending.set(hash, peer);
    const job = async (): Promise<void> => {
      try {
        // A peer banned or dropped while its blocks waited gets no more work done for it
        // (issue 12, attack 1: one failed check, then nothing): whatever it was to deliver
        // is asked of other peers (peerGone).
        if (peer.state === "closed" || peer.closing) return;
        await this.process(peer, hash, block, raw, requested);
      } finally {
        if (!requested) peer.unsolicited--;
        this.pending.delete(hash);
        peer.inFlight.delete(hash);
        if (this.inFlight.get(hash) === peer) this.inFlight.delete(hash);
        this.fill(peer);
      }
    };
    this.queue = this.queue.then(job).catch((e) => this.env.host.log(`error processing block ${hash} from ${peer.label}: ${errText(e)}`));
  }

  /**
   * A peer says it lacks blocks we asked of it (after announcing them): it is scored,
   * and every other peer is asked what it has, so the blocks come from someone else
   * (issue 12, attack 5: a peer answering notfound kept a sync at height 0).
   */
  onNotFound(peer: Peer, hashes: Hash[]): void {
    let ours = 0;
    for (const h of hashes) {
      peer.requestedAt.delete(h);
      if (!peer.awaiting.delete(h)) continue;
      ours++;
      peer.inFlight.delete(h);
      if (this.inFlight.get(h) === peer) this.inFlight.delete(h);
    }
    if (ours > 0) {
      this.env.misbehave(peer, SCORE_NOTFOUND_BLOCK, `answered notfound for ${ours} block(s) we asked of it`);
      for (const p of this.env.readyPeers()) if (p !== peer && !p.headersPending) this.requestHeaders(p);
    }
    this.fill(peer);
  }

  private async submit(peer: Peer, hash: Hash, block: Block, raw: Uint8Array, requested: boolean): Promise<boolean> {
    const r = await this.env.host.submitBlock(block, raw, requested ? undefined : { unrequested: true });
    if (r.ok) {
      peer.lastBlockAt = this.env.clock.now();
      if (r.active) this.env.relayBlock(hash);
      return true;
    }
    if (r.misbehaving) {
      this.env.misbehave(peer, 100, `sent block ${hash} that breaks a consensus rule: ${formatReject(r)}`);
    } else if (r.lowWork) {
      this.env.misbehave(peer, SCORE_LOW_WORK_BLOCK, `sent block ${hash} unasked, with no more work than our tip`);
    } else if (r.missingParent) {
      this.orphans.add({ hash, block, raw, from: peer });
      const parent = block.header.prevHash;
      // A parent on its way needs nothing; an unheard-of one means a branch we lack: ask for its headers.
      if (!this.known(parent) && !this.queuedAnywhere(parent)) this.requestHeaders(peer, undefined, hash);
    }
    return false;
  }

  private queuedAnywhere(h: Hash): boolean {
    for (const p of this.env.readyPeers()) if (p.queued.has(h)) return true;
    return false;
  }

  private async process(peer: Peer, hash: Hash, block: Block, raw: Uint8Array, requested: boolean): Promise<void> {
    if (!(await this.submit(peer, hash, block, raw, requested))) return;
    const work = [hash];
    for (let parent = work.pop(); parent !== undefined; parent = work.pop()) {
      for (const o of this.orphans.takeChildren(parent)) {
        if (o.from.state === "closed" || o.from.closing) continue;
        if (await this.submit(o.from, o.hash, o.block, o.raw, true)) work.push(o.hash);
      }
    }
  }

  /** A peer left: what it was to deliver is up for grabs, so every other peer is asked what it has. */
  peerGone(peer: Peer): void {
    this.orphans.dropFrom(peer);
    const hadWork = peer.awaiting.size > 0 || peer.queue.length > 0;
    for (const h of peer.inFlight) if (this.inFlight.get(h) === peer) this.inFlight.delete(h);
    peer.inFlight.clear();
    peer.awaiting.clear();
    peer.requestedAt.clear();
    peer.queue = [];
    peer.queued.clear();
    if (!hadWork) return;
    for (const p of this.env.readyPeers()) if (p !== peer && !p.headersPending) this.requestHeaders(p);
  }
}

export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
