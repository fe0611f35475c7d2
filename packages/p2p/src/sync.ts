import {
  type Block,
  type BlockHeader,
  BoundedSet,
  blockHash,
  checkProofOfWork,
  formatReject,
  type Hash,
  type NetworkParams,
} from "@utxolab/core";
import type { Clock, TimerHandle } from "./clock.js";
import type { P2PHost } from "./host.js";
import { internHash } from "./intern.js";
import { MAX_GETDATA, MAX_HEADERS, MAX_LOCATOR } from "./messages.js";
import { DEFAULT_MAX_CLAIM_BYTES, DEFAULT_MAX_CLAIMS_BLOCKS, DEFAULT_MAX_CLAIMS_BYTES } from "./options.js";
import { type Orphan, OrphanPool } from "./orphans.js";
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
/** Blocks given back by a peer (it left, lacked them or stalled) that wait for another peer that has them. */
const MAX_WANTED = 4 * MAX_HEADERS;
/** Requested blocks held as orphans beyond which no new blocks are asked for (only the missing ones): the pool (256) never evicts its way into a loop. */
const ORPHAN_AHEAD = 192;
/**
 * Stalling, judged on the block the download waits for and never on numbers the slow peer
 * sets itself (issue 12: a first peer delivering every block 1.8 s late raised its own
 * window to the 2 s ceiling and slowed a 300-block sync to about 9 s, 11x its baseline).
 *
 * Race: a block in flight from P longer than STALL_FACTOR times what the fastest OTHER peer
 * takes (its delivery average, else PING_FACTOR times its ping), at least STALL_FLOOR_MS and
 * at most STALL_CEILING_MS, is also asked of another peer that has it and has room (Core's
 * parallel download of the block that holds the window back). P keeps it in flight too: a
 * slow honest peer still delivers, and its room stays taken until it does.
 */
export const STALL_FACTOR = 4;
export const STALL_FLOOR_MS = 250;
export const STALL_CEILING_MS = 2_000;
/** a window from a peer's ping alone is this many round trips */
export const PING_FACTOR = 3;
/**
 * Drop: a peer that leaves a block undelivered for the stall timeout while another peer has
 * it (or delivered it) is disconnected as a staller. As in Bitcoin Core's
 * m_block_stalling_timeout: 2 s, doubled after each round of drops (at most 64 s) so that our
 * own slow link does not cost us every peer, and brought back by 15% per block accepted.
 * Unlike Core, dropping a peer that never delivered a requested block does not double it:
 * that is no sign of a slow link (ten silent announcers would otherwise take it to 64 s).
 * A distant honest peer never holds a block that long; if it does, the next one is judged
 * on twice the time.
 */
export const STALL_TIMEOUT_MS = 2_000;
export const STALL_TIMEOUT_MAX_MS = 64_000;
/**
 * Bytes of blocks asked of one peer at a time, by the size of the blocks it delivers (at least
 * one block, at most maxBlocksInFlight): 16 blocks of 800 KB in flight from each of three
 * peers held about 300 MB of received, decoded and not yet checked blocks (issue 12, withheld
 * heavier fork). Small blocks keep the whole window.
 */
export const IN_FLIGHT_BYTES = 3 * 1024 * 1024;
/** the claim dropped past the total costs its peer this score; a second drop from its address bans */
const SCORE_LARGEST_CLAIM = 50;
/** how many hashes of blocks headed past the tip are remembered (a deep fork's worth) */
const HEADED_MEMORY = 20_000;

export interface SyncEnv {
  host: P2PHost;
  params: NetworkParams;
  clock: Clock;
  maxBlocksInFlight: number;
  /** see DEFAULT_MAX_CLAIM_BYTES */
  maxClaimBytes?: number;
  /** see DEFAULT_MAX_CLAIMS_BYTES */
  maxClaimsBytes?: number;
  maxClaimsBlocks?: number;
  readyPeers(): Iterable<Peer>;
  misbehave(peer: Peer, score: number, why: string): void;
  /** announce an accepted block to peers that do not know it */
  relayBlock(hash: Hash): void;
  disconnect(peer: Peer, why: string): void;
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
  /**
   * Blocks that were in flight from a peer that left, was banned, answered `notfound` or
   * stalled: each is asked of the next peer whose headers show it has it. Nothing once
   * asked for is lost with the peer it was asked of (issue 12: a sync stalled after twenty
   * notfound-answering peers were banned).
   */
  private readonly wanted = new Set<Hash>();
  /** blocks in flight past their race window, to be asked of one more peer (see STALL_FACTOR) */
  private readonly racing = new Set<Hash>();
  /** ms a block may stay undelivered from a peer while another has it (see STALL_TIMEOUT_MS) */
  private stallTimeout = STALL_TIMEOUT_MS;
  /**
   * Blocks asked for because a peer's headers show their chain passing our tip (pruning keeps
   * them), with the peers whose headers showed it: when the last of those leaves without the
   * chain beating our tip, the claim is dropped (host.unhead) and the blocks are ordinary side
   * blocks again (issue 12, withheld heavier fork). Oldest first, at most HEADED_MEMORY.
   */
  private readonly claims = new Map<Hash, Set<Peer>>();
  /** claims in the order they were made, from claimHead on (stale entries are skipped) */
  private claimOrder: Hash[] = [];
  private claimHead = 0;
  /** addresses a peer was dropped from once by boundClaims */
  private readonly claimStrikes = new BoundedSet<string>(1_000);
  /** claimed blocks stored and not yet on the active chain, with their bytes, each once (see boundClaims) */
  private readonly storedClaimed = new Map<Hash, { bytes: number; at: number }>();
  private storedClaimedBytes = 0;
  private stallTimer?: TimerHandle;
  private stallDue = Number.POSITIVE_INFINITY;
  private checkingStalls = false;

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
    if (peer.send(stop ? { type: "getheaders", locator, stop } : { type: "getheaders", locator })) {
      const now = this.env.clock.now();
      // an answer overdue by 30 s is not coming: its count is forgotten
      if (now - peer.headersRequestedAt >= 30_000) peer.headersAsked = 0;
      peer.headersRequestedAt = now;
      peer.headersAsked++;
    }
  }

  onHeaders(peer: Peer, headers: BlockHeader[]): void {
    if (peer.headersAsked === 0) {
      // we only ever learn headers by asking: unasked ones are spam (issue 12: 644k in 90 s)
      this.env.misbehave(peer, SCORE_UNREQUESTED_HEADERS, `sent ${headers.length} headers nobody asked for`);
      return;
    }
    peer.headersAsked--;
    if (headers.length === 0) {
      peer.moreHeadersFrom = undefined;
      peer.lowWorkBatches = 0;
      peer.deferredFrom = undefined;
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
      const hash = internHash(blockHash(h));
      if (h.bits !== this.env.params.bits || !checkProofOfWork(hash, h.bits, this.env.params.powLimit)) {
        this.env.misbehave(peer, 100, `sent header ${hash} without valid proof of work (bits 0x${h.bits.toString(16)})`);
        return;
      }
      hashes[i] = hash;
    }
    // Every header carries the network's fixed bits, so work follows height. A batch whose
    // chain (as far as the peer has shown it) ends no higher than our tip has no more work
    // than ours: its blocks are not downloaded. A full batch may be followed by more, so its
    // headers are asked for on (Core's headers presync, simplified): once the chain passes
    // our tip, it is asked for again from where it left ours and downloaded; if it ends
    // first, nothing of it was stored. A chain cannot take more than tip/MAX_HEADERS + 1
    // full batches to pass our tip: more is spam, and banned (issue 12: full batches of
    // low-work headers from genesis were downloaded as if useful).
    const parentHeight =
      this.env.host.heightOf?.(first) ??
      (first === peer.moreHeadersFrom
        ? peer.lastHeaderHeight
        : first === peer.deferredFrom?.hash
          ? peer.deferredFrom.height
          : first === peer.restartFrom?.hash
            ? peer.restartFrom.height
            : undefined);
    const endHeight = parentHeight === undefined ? undefined : parentHeight + headers.length;
    const best = this.env.host.bestHeight();
    // Each batch is judged by its own chain: its end, or, while a chain that passed our tip is
    // asked for again from its fork point, that chain's height if the batch continues it. The
    // highest height a peer ever showed lifted the check for every later batch of any branch
    // (issue 12: heavier headers shown once, then low-work branches were downloaded).
    const claim = peer.claim;
    const continuesClaim =
      claim !== undefined &&
      endHeight !== undefined &&
      endHeight <= claim.height &&
      (first === claim.from || first === peer.moreHeadersFrom);
    if (claim && (!continuesClaim || endHeight === claim.height)) peer.claim = undefined;
    const lowWork = endHeight !== undefined && endHeight <= best && !continuesClaim;
    const full = headers.length >= MAX_HEADERS;
    let fresh = 0;
    for (const hash of hashes) {
      if (!peer.headerSet.has(hash)) fresh++;
      peer.headerSet.add(hash);
      // it has these blocks: never announce them back to it
      peer.knownInv.add(hash);
    }
    peer.lastHeaderHeight = endHeight;
    // A batch with nothing new that ends where we asked it to go on from (a peer answering
    // every getheaders with the same headers) ends the exchange: asking again would be a
    // loop it drives at our cost. Old headers re-sent for another request leave the
    // continuation where it was.
    const last = hashes[hashes.length - 1];
    peer.moreHeadersFrom = fresh > 0 ? last : last === peer.moreHeadersFrom ? undefined : peer.moreHeadersFrom;
    if (lowWork) {
      if (!full) {
        // its chain ends at or below our tip: nothing to fetch, nothing more to ask
        peer.moreHeadersFrom = undefined;
        peer.lowWorkBatches = 0;
        peer.deferredFrom = undefined;
        this.fill(peer);
        return;
      }
      peer.lowWorkBatches++;
      const allowed = Math.floor(best / MAX_HEADERS) + 1;
      if (peer.lowWorkBatches > allowed) {
        this.env.misbehave(
          peer,
          100,
          `sent ${peer.lowWorkBatches} full batches of headers whose chain still has no more work than our tip (height ${best}); a real chain passes it within ${allowed}`,
        );
        return;
      }
      if (parentHeight !== undefined) peer.deferredFrom ??= { hash: first, height: parentHeight };
      if (peer.moreHeadersFrom && !peer.headersPending) this.requestHeaders(peer, peer.moreHeadersFrom);
      return;
    }
    peer.lowWorkBatches = 0;
    const deferred = peer.deferredFrom;
    if (deferred) {
      // its chain passed our tip only now: download it from where it left ours, in order
      peer.deferredFrom = undefined;
      peer.moreHeadersFrom = undefined;
      peer.restartFrom = deferred;
      if (endHeight !== undefined) peer.claim = { from: deferred.hash, height: endHeight };
      this.requestHeaders(peer, deferred.hash);
      return;
    }
    for (const hash of hashes) {
      this.addClaim(hash, peer);
      this.enqueue(peer, hash);
    }
    // Ask again after every non-empty batch (hosts may send fewer than MAX_HEADERS); an empty answer ends it.
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

  /** Can `peer` be asked for block `h` that someone else gave back? */
  private canServe(peer: Peer, h: Hash): boolean {
    return peer.headerSet.has(h) && !peer.lacks.has(h);
  }

  /**
   * Keeps the peer's window of requested blocks full: first blocks given back by other
   * peers that it has, then its own queue; asks for more headers when its queue runs low.
   */
  fill(peer: Peer): void {
    if (peer.state !== "ready" || peer.closing) return;
    const want: Hash[] = [];
    const window = this.windowOf(peer);
    const room = () => peer.inFlight.size + want.length < window && want.length < MAX_GETDATA;
    // first the overdue blocks the download waits for: they are the lowest ones
    for (const h of this.racing) {
      if (!room()) break;
      if (!this.inFlight.has(h) || this.received(h)) this.racing.delete(h);
      else if (!peer.awaiting.has(h) && this.canServe(peer, h)) {
        this.racing.delete(h);
        want.push(h);
      }
    }
    for (const h of this.wanted) {
      if (!room()) break;
      if (this.known(h)) this.wanted.delete(h);
      else if (this.canServe(peer, h) && !peer.awaiting.has(h)) {
        this.wanted.delete(h);
        want.push(h);
      }
    }
    // The download runs at most ORPHAN_AHEAD requested orphans ahead of the chain: past
    // that only missing blocks (above) are asked for, so the orphan pool never evicts
    // what it will need next.
    // (with nothing in flight anywhere, nothing would ever connect them: then it goes on)
    const ahead = this.orphans.requestedCount >= ORPHAN_AHEAD && this.inFlight.size > 0;
    let i = 0;
    while (!ahead && room() && i < peer.queue.length) {
      const h = peer.queue[i++];
      peer.queued.delete(h);
      if (this.known(h) || peer.lacks.has(h)) continue;
      want.push(h);
    }
    if (i > 0) peer.queue = peer.queue.slice(i);
    const now = this.env.clock.now();
    if (want.length > 0) {
      if (peer.awaiting.size === 0) peer.lastBlockProgressAt = now;
      for (const h of want) {
        this.inFlight.set(h, peer);
        peer.inFlight.add(h);
        peer.awaiting.add(h);
        peer.requestedAt.set(h, now);
      }
      peer.send({ type: "getdata", blocks: want });
      this.armStallTimer(now);
    }
    if (peer.queue.length < LOW_WATER && peer.moreHeadersFrom && !peer.headersPending) {
      this.requestHeaders(peer, peer.moreHeadersFrom);
    }
    // an idle peer is the moment to look for blocks it could race (only blocks in flight
    // are raced: with none, the walk over every peer is skipped; fill runs on most messages)
    if (peer.awaiting.size === 0 && this.inFlight.size > 0) this.checkStalls(now);
  }

  /** A copy of `h` arrived (waiting for the host, held as an orphan, or stored). */
  private received(h: Hash): boolean {
    return this.pending.has(h) || this.orphans.has(h) || this.env.host.hasBlock(h);
  }

  /** Another ready peer that still waits for `h` (it was raced), if any. */
  private otherAsker(h: Hash, except: Peer): Peer | undefined {
    for (const p of this.env.readyPeers()) if (p !== except && !p.closing && p.awaiting.has(h)) return p;
    return undefined;
  }

  /** Forgets that `h` was asked of `peer` (another peer's copy came first). */
  private release(peer: Peer, h: Hash): void {
    peer.awaiting.delete(h);
    peer.requestedAt.delete(h);
    peer.inFlight.delete(h);
    if (this.inFlight.get(h) === peer) this.inFlight.delete(h);
  }

  /** How many blocks may be in flight from `peer`: maxBlocksInFlight, fewer for big blocks (IN_FLIGHT_BYTES). */
  private windowOf(peer: Peer): number {
    const max = this.env.maxBlocksInFlight;
    if (peer.blockBytes === undefined) return max;
    return Math.min(max, Math.max(1, Math.floor(IN_FLIGHT_BYTES / peer.blockBytes)));
  }

  /** Blocks `from` will not deliver go back to the wanted set, and other peers are filled. */
  private giveBack(from: Peer, hashes: Iterable<Hash>): void {
    let any = false;
    for (const h of hashes) {
      if (this.inFlight.get(h) === from) {
        // a block raced to two peers stays in flight from the other one
        const other = this.otherAsker(h, from);
        if (other) this.inFlight.set(h, other);
        else this.inFlight.delete(h);
      }
      if (this.known(h)) continue;
      if (this.wanted.size >= MAX_WANTED) {
        const oldest = this.wanted.values().next();
        if (!oldest.done) this.wanted.delete(oldest.value);
      }
      this.wanted.add(h);
      any = true;
    }
    if (!any) return;
    for (const p of this.env.readyPeers()) if (p !== from) this.fill(p);
  }

  /**
   * ms a block may be in flight from `peer` before it is also asked of another peer: taken
   * from the fastest OTHER ready peer's numbers (its delivery average, else its ping), never
   * from `peer`'s own, which it controls (see STALL_FACTOR). STALL_CEILING_MS while no other
   * peer has been measured.
   */
  raceWindowMs(peer: Peer): number {
    let best = Number.POSITIVE_INFINITY;
    for (const o of this.env.readyPeers()) {
      if (o === peer || o.closing) continue;
      const expected =
        o.deliveryMs !== undefined ? STALL_FACTOR * o.deliveryMs : o.pingMs !== undefined ? PING_FACTOR * o.pingMs : undefined;
      if (expected !== undefined && expected < best) best = expected;
    }
    return Math.min(STALL_CEILING_MS, Math.max(STALL_FLOOR_MS, Math.round(best)));
  }

  /** Why `h`, held by `holder`, could come from elsewhere (undefined: nobody else has it). */
  private elsewhere(h: Hash, holder: Peer): string | undefined {
    if (this.received(h) && this.pending.get(h) !== holder) return "another peer delivered it";
    for (const o of this.env.readyPeers()) if (o !== holder && !o.closing && this.canServe(o, h)) return `${o.label} has it`;
    return undefined;
  }

  /**
   * How long `h`, in flight from `holder`, may stay so before it is also asked of another
   * peer: the window, or STALL_FLOOR_MS when a peer that has it is idle (its bandwidth is
   * free: the download holds for what others hold); undefined if it cannot be raced (nobody
   * else has it, or it is raced or received already).
   */
  private raceAfter(h: Hash, holder: Peer, window: number): number | undefined {
    if (this.inFlight.get(h) !== holder || this.racing.has(h) || this.racing.size >= MAX_WANTED || this.received(h)) return undefined;
    let after: number | undefined;
    for (const o of this.env.readyPeers()) {
      if (o === holder || o.closing || o.awaiting.has(h) || !this.canServe(o, h)) continue;
      if (o.awaiting.size === 0) return Math.min(window, STALL_FLOOR_MS);
      after = window;
    }
    return after;
  }

  /**
   * Races every block in flight past its window to another peer, and drops peers holding a
   * block past the stall timeout that another peer has (issue 12, attack 5 and the slow
   * staller). Run by a timer set for the next deadline, on the heartbeat and when a peer
   * goes idle.
   */
  checkStalls(now: number): void {
    if (this.checkingStalls) return;
    this.checkingStalls = true;
    let raced = false;
    let dropped = false;
    try {
      for (const p of [...this.env.readyPeers()]) {
        if (p.closing || p.requestedAt.size === 0) continue;
        const window = this.raceWindowMs(p);
        // the map is in request order: none younger than the floor is raced
        for (const [h, at] of p.requestedAt) {
          if (now - at <= Math.min(window, STALL_FLOOR_MS)) break;
          const after = this.raceAfter(h, p, window);
          if (after !== undefined && now - at > after) {
            this.racing.add(h);
            raced = true;
          }
        }
        const [h, at] = p.requestedAt.entries().next().value as [Hash, number];
        // Judged from its last delivery if that came later: a peer sending what we asked for,
        // one block after another, is not stalling even when the last of a window of big
        // blocks waits behind the others and behind our own checking of them (a second
        // attack: an honest peer serving 720 KB blocks was dropped, its block "asked 7,213 ms
        // ago" while we were still busy with the ones it had sent).
        const idleFor = now - Math.max(at, p.lastBlockProgressAt);
        if (idleFor <= this.stallTimeout) continue;
        const other = this.elsewhere(h, p);
        if (other) {
          this.stalled(
            p,
            `stalled: block ${h} asked ${now - at} ms ago and not delivered, nothing delivered for ${idleFor} ms, and ${other} (stall timeout ${this.stallTimeout} ms)`,
          );
          // Only a peer that does deliver, slowly, may be a sign of our own slow link; one
          // that never delivered a block it was asked for is no reason to wait longer for the next.
          if (p.deliveryMs !== undefined) dropped = true;
        }
      }
    } finally {
      this.checkingStalls = false;
    }
    // one doubling per round: peers found stalling together were judged on the same timeout
    if (dropped) this.stallTimeout = Math.min(STALL_TIMEOUT_MAX_MS, 2 * this.stallTimeout);
    if (raced) for (const o of [...this.env.readyPeers()]) if (!o.closing) this.fill(o);
    this.armStallTimer(now);
  }

  /** Wakes checkStalls at the next race or stall deadline of any peer (not just on the heartbeat). */
  private armStallTimer(now: number): void {
    let due = Number.POSITIVE_INFINITY;
    for (const p of this.env.readyPeers()) {
      if (p.closing) continue;
      const first = p.requestedAt.values().next();
      if (first.done) continue;
      const stall = Math.max(first.value, p.lastBlockProgressAt) + this.stallTimeout + 1;
      if (stall > now) due = Math.min(due, stall);
      const window = this.raceWindowMs(p);
      for (const [h, at] of p.requestedAt) {
        if (at + Math.min(window, STALL_FLOOR_MS) + 1 >= due) break;
        const after = this.raceAfter(h, p, window);
        if (after === undefined) continue;
        // one already past its window (the window shrank) is raced at once
        due = Math.min(due, Math.max(at + after + 1, now + 1));
        break;
      }
    }
    if (due >= this.stallDue || due === Number.POSITIVE_INFINITY) return;
    if (this.stallTimer) this.env.clock.clearTimeout(this.stallTimer);
    this.stallDue = due;
    this.stallTimer = this.env.clock.setTimeout(
      () => {
        this.stallTimer = undefined;
        this.stallDue = Number.POSITIVE_INFINITY;
        this.checkStalls(this.env.clock.now());
      },
      Math.max(10, due - now),
    );
    this.stallTimer.unref?.();
  }

  /** Stops the stall timer (the node is closing). */
  stop(): void {
    if (this.stallTimer) this.env.clock.clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.stallDue = Number.POSITIVE_INFINITY;
  }

  onBlock(peer: Peer, block: Block, raw: Uint8Array): void {
    const hash = internHash(blockHash(block.header));
    peer.knownInv.add(hash);
    // up at once to a bigger block, down by half per smaller one: its window follows (windowOf)
    peer.blockBytes = peer.blockBytes === undefined ? raw.length : Math.max(raw.length, 0.5 * peer.blockBytes + 0.5 * raw.length);
    const now = this.env.clock.now();
    // asked of it and not yet received: a block raced to two peers is asked of both
    const asked = peer.awaiting.delete(hash);
    const requested = asked || this.inFlight.get(hash) === peer;
    if (asked) peer.lastBlockProgressAt = now;
    const askedAt = peer.requestedAt.get(hash);
    if (askedAt !== undefined) {
      const ms = now - askedAt;
      peer.deliveryMs = peer.deliveryMs === undefined ? ms : 0.8 * peer.deliveryMs + 0.2 * ms;
    }
    peer.requestedAt.delete(hash);
    const waiting = this.pending.get(hash);
    // One copy waiting for the host is enough: resent copies must not pile up.
    if (waiting === peer) return;
    if (waiting || this.orphans.has(hash) || this.env.host.hasBlock(hash)) {
      // another peer's copy came first: this peer's request is answered
      if (requested) {
        this.release(peer, hash);
        this.fill(peer);
      }
      return;
    }
    // Blocks nobody asked for wait in the same queue: bounded per peer like requested ones.
    if (!requested && peer.unsolicited >= this.env.maxBlocksInFlight) return;
    if (!requested) peer.unsolicited++;
    // the first copy of a raced block: it is in flight from this peer until processed
    // (the other asker keeps its request: its copy is answered above when it comes)
    else this.inFlight.set(hash, peer);
    this.pending.set(hash, peer);
    const job = async (): Promise<void> => {
      let done = false;
      try {
        // A peer banned or dropped while its blocks waited gets no more work done for it
        // (issue 12, attack 1: one failed check, then nothing): whatever it was to deliver
        // is asked of other peers (giveBack below).
        if (peer.state === "closed" || peer.closing) return;
        await this.process(peer, hash, block, raw, requested);
        done = true;
      } finally {
        if (!requested) peer.unsolicited--;
        this.pending.delete(hash);
        peer.inFlight.delete(hash);
        if (this.inFlight.get(hash) === peer) this.inFlight.delete(hash);
        if (requested && !done) this.giveBack(peer, [hash]);
        this.fill(peer);
      }
    };
    this.queue = this.queue.then(job).catch((e) => this.env.host.log(`error processing block ${hash} from ${peer.label}: ${errText(e)}`));
  }

  /**
   * A peer says it lacks blocks we asked of it (after announcing them): it is scored, never
   * asked for them again, and they go to the next peer that has them; if none has, every
   * other peer is asked what it has (issue 12, attack 5: a peer answering notfound kept a
   * sync at height 0).
   */
  onNotFound(peer: Peer, hashes: Hash[]): void {
    const ours: Hash[] = [];
    for (const h of hashes) {
      peer.requestedAt.delete(h);
      if (!peer.awaiting.delete(h)) continue;
      ours.push(h);
      peer.lacks.add(h);
      peer.inFlight.delete(h);
    }
    if (ours.length > 0) {
      // it showed headers of a chain passing our tip and will not serve that chain: the claim
      // is void, and what it made us store is pruned first (issue 12, a second attack: notfound
      // for the last blocks kept a withholder's claim alive and unbanned)
      if (peer.hasClaims && ours.some((h) => this.claims.get(h)?.has(peer))) {
        this.env.host.log(`${peer.label} will not serve blocks of the chain its headers showed passing our tip: its claim is dropped`);
        this.releaseClaims(peer);
      }
      this.env.misbehave(peer, SCORE_NOTFOUND_BLOCK, `answered notfound for ${ours.length} block(s) we asked of it`);
      this.giveBack(peer, ours);
      if (ours.some((h) => this.wanted.has(h) && !this.anyoneHas(h))) this.askEveryone(peer);
    }
    this.fill(peer);
  }

  private async submit(peer: Peer, hash: Hash, block: Block, raw: Uint8Array, requested: boolean): Promise<boolean> {
    const claimers = requested ? this.claims.get(hash) : undefined;
    const r = await this.env.host.submitBlock(
      block,
      raw,
      requested ? (claimers ? { towardMoreWork: true } : undefined) : { unrequested: true },
    );
    if (r.ok) {
      peer.lastBlockAt = this.env.clock.now();
      // the download moves on: a stall timeout doubled by drops comes back, 15% a block (as in Core)
      this.stallTimeout = Math.max(STALL_TIMEOUT_MS, 0.85 * this.stallTimeout);
      if (r.active) this.env.relayBlock(hash);
      if (claimers) this.charge(claimers, hash, raw.length, r.active);
      return true;
    }
    if (r.misbehaving) {
      this.env.misbehave(peer, 100, `sent block ${hash} that breaks a consensus rule: ${formatReject(r)}`);
    } else if (r.lowWork) {
      this.env.misbehave(peer, SCORE_LOW_WORK_BLOCK, `sent block ${hash} unasked, with no more work than our tip`);
    } else if (r.missingParent) {
      const dropped = this.orphans.add({ hash, block, raw, from: peer, requested });
      this.giveBackOrphans(dropped);
      const parent = block.header.prevHash;
      // A parent on its way needs nothing; an unheard-of one means a branch we lack: ask for its headers.
      if (!this.known(parent) && !this.queuedAnywhere(parent) && !this.wanted.has(parent) && !peer.headersPending)
        this.requestHeaders(peer, undefined, hash);
    }
    return false;
  }

  /** `peer`'s headers show `hash` on a chain passing our tip. */
  private addClaim(hash: Hash, peer: Peer): void {
    peer.hasClaims = true;
    const set = this.claims.get(hash);
    if (set) {
      set.add(peer);
      return;
    }
    // Oldest out past HEADED_MEMORY, through a queue of its own: a Map's first key is found
    // by walking the holes deleted entries leave at its front, quadratic under a flood of
    // heavier headers (issue 12, attack 3's shape; see BoundedSet).
    while (this.claims.size >= HEADED_MEMORY && this.claimHead < this.claimOrder.length) {
      const oldest = this.claimOrder[this.claimHead++];
      if (this.claims.delete(oldest)) this.unstore(oldest);
    }
    // claims met (their chain became active) leave stale entries: compacted once they are half
    if ((this.claimHead > 1024 && 2 * this.claimHead > this.claimOrder.length) || this.claimOrder.length > 2 * HEADED_MEMORY) {
      this.claimOrder = this.claimOrder.slice(this.claimHead).filter((h) => this.claims.has(h));
      this.claimHead = 0;
    }
    this.claims.set(hash, new Set([peer]));
    this.claimOrder.push(hash);
  }

  /**
   * A block asked for on the claim of `claimers` was stored. Once their chain beats our tip
   * (the block became active) the claim is met and their account is settled; until then each
   * is charged its bytes, and a peer whose claim has cost more than maxClaimBytes is banned:
   * with free proof of work, a heavier chain with its last block withheld cost us 600 MB
   * (issue 12). Its claim is dropped with it (peerGone), so what it made us store is pruned first.
   */
  private charge(claimers: Set<Peer>, hash: Hash, bytes: number, active: boolean): void {
    if (active) {
      for (const c of claimers) c.claimBytes = 0;
      this.claims.delete(hash);
      // their chain is now the active one: the blocks of it stored before are no claim any more
      for (const h of this.storedClaimed.keys()) {
        const set = this.claims.get(h);
        if (set && ![...set].some((p) => claimers.has(p))) continue;
        this.claims.delete(h);
        this.unstore(h);
      }
      return;
    }
    if (!this.storedClaimed.has(hash)) {
      this.storedClaimed.set(hash, { bytes, at: this.env.clock.now() });
      this.storedClaimedBytes += bytes;
    }
    const max = this.env.maxClaimBytes ?? DEFAULT_MAX_CLAIM_BYTES;
    for (const c of [...claimers]) {
      c.claimBytes += bytes;
      if (c.claimBytes > max) {
        this.env.misbehave(
          c,
          100,
          `its headers made us store ${c.claimBytes} bytes of blocks (limit ${max}) of a chain they show passing our tip, and that chain still has no more work than our tip (height ${this.env.host.bestHeight()})`,
        );
      }
    }
    this.boundClaims();
  }

  /**
   * What all peers' claims made us store stays within maxClaimsBytes and maxClaimsBlocks (options),
   * by default half of core's bounds on side branches (maxSideBytes, HEADED_SIDE_FACTOR x maxSideBlocks),
   * counted once per stored block whoever claims it, so a claimed block never has to be pruned.
   * Past either, the peer whose claim grew least recently (then the largest) loses it and is
   * dropped: blocks nobody claims any more are ordinary side blocks again and go first when
   * core prunes. Sixteen attackers from sixteen
   * addresses, each under maxClaimBytes, filled core's side budget with withheld heavier forks,
   * and an honest heavier branch was pruned block by block as it arrived and never adopted
   * (issue 12, a later attack).
   */
  private boundClaims(): void {
    const maxBytes = this.env.maxClaimsBytes ?? DEFAULT_MAX_CLAIMS_BYTES;
    const maxBlocks = this.env.maxClaimsBlocks ?? DEFAULT_MAX_CLAIMS_BLOCKS;
    const bytes = this.storedClaimedBytes;
    const blocks = this.storedClaimed.size;
    if (bytes <= maxBytes && blocks <= maxBlocks) return;
    // The claim that stopped growing longest ago goes first: a chain being delivered grows, a
    // withheld one stops at its last block. Then the largest. (A second attack made the honest
    // chain, delivered as asked, the largest claim past the total, and it was dropped on every
    // redial; a third showed each withheld fork from two connections, so that no claim was any
    // one peer's alone and the honest peer was the only one that could be dropped, twice, and
    // banned. What is stored is now counted once, whoever claims it, and any claimant can go;
    // per claimant from what is stored, since a peer may claim blocks another one delivered.)
    const latest = new Map<Peer, number>();
    const size = new Map<Peer, number>();
    for (const [h, stored] of this.storedClaimed) {
      for (const p of this.claims.get(h) ?? []) {
        latest.set(p, Math.max(latest.get(p) ?? 0, stored.at));
        size.set(p, (size.get(p) ?? 0) + stored.bytes);
      }
    }
    let worst: Peer | undefined;
    for (const [p, at] of latest) {
      if (p.closing || p.state !== "ready") continue;
      const w = worst === undefined ? undefined : (latest.get(worst) ?? 0);
      if (w === undefined || at < w || (at === w && (size.get(p) ?? 0) > (size.get(worst as Peer) ?? 0))) worst = p;
    }
    if (!worst) return;
    const why = `its claim (a chain its headers show passing our tip) grew least recently of all while what claims made us store is past its limit (${size.get(worst)} bytes stored, the last ${this.env.clock.now() - (latest.get(worst) ?? 0)} ms ago; all claims together ${bytes} bytes in ${blocks} blocks, limits ${maxBytes} and ${maxBlocks}), and that chain still has no more work than our tip`;
    // Scores live with a connection, so one that comes back was never banned (a single address
    // kept sixteen withholders going); the second drop from the same address bans it.
    const again = this.claimStrikes.has(worst.key);
    this.claimStrikes.add(worst.key);
    this.env.misbehave(worst, again ? 100 : SCORE_LARGEST_CLAIM, again ? `${why}; the second time from ${worst.key}` : why);
    if (!worst.closing) this.env.disconnect(worst, `dropped: ${why}`);
  }

  /**
   * A peer dropped for not delivering blocks asked of it. One whose headers made us store blocks
   * of a chain passing our tip that it then withholds is banned (issue 12, withheld heavier fork).
   */
  stalled(peer: Peer, why: string): void {
    if (peer.claimBytes > 0) {
      this.env.misbehave(
        peer,
        100,
        `${why}; its headers had made us store ${peer.claimBytes} bytes of a chain passing our tip that it did not deliver`,
      );
    }
    this.env.disconnect(peer, why);
  }

  private unstore(h: Hash): void {
    const stored = this.storedClaimed.get(h);
    if (stored === undefined) return;
    this.storedClaimed.delete(h);
    this.storedClaimedBytes -= stored.bytes;
  }

  /** Drops `peer`'s claims; blocks nobody else claims are ordinary side blocks again. */
  private releaseClaims(peer: Peer): void {
    if (!peer.hasClaims) return;
    peer.hasClaims = false;
    const orphaned: Hash[] = [];
    for (const [h, set] of this.claims) {
      if (!set.delete(peer) || set.size > 0) continue;
      this.claims.delete(h);
      if (this.env.host.hasBlock(h)) orphaned.push(h);
    }
    peer.claimBytes = 0;
    for (const h of orphaned) this.unstore(h);
    if (orphaned.length > 0) {
      this.env.host
        .unhead?.(orphaned)
        ?.catch((e) => this.env.host.log(`error dropping the claim on ${orphaned.length} blocks of ${peer.label}: ${errText(e)}`));
    }
  }

  /** Requested orphans pushed out of the pool (or whose peer left) are fetched again later. */
  private giveBackOrphans(dropped: Orphan[]): void {
    const again = dropped.filter((o) => o.requested).map((o) => o.hash);
    if (again.length > 0) this.giveBack(dropped[0].from, again);
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

  /**
   * A peer left or is being dropped (called at once, not when its socket finally closes):
   * every block it was to deliver goes to the next peer that has it, and if some are left
   * over, every other peer is asked what it has.
   */
  peerGone(peer: Peer): void {
    this.releaseClaims(peer);
    const dropped = this.orphans.dropFrom(peer);
    const hadWork = peer.awaiting.size > 0 || peer.queue.length > 0;
    const back = [...peer.awaiting];
    // received blocks still waiting for the host are given back by their job
    for (const h of peer.inFlight) if (!peer.awaiting.has(h) && this.inFlight.get(h) === peer && !this.pending.has(h)) back.push(h);
    peer.inFlight.clear();
    peer.awaiting.clear();
    peer.requestedAt.clear();
    peer.queue = [];
    peer.queued.clear();
    this.giveBack(peer, back);
    this.giveBackOrphans(dropped);
    if (!hadWork) return;
    // only blocks no other peer has shown us are worth asking everyone's headers for
    if (back.length > 0 && !back.some((h) => this.wanted.has(h) && !this.anyoneHas(h))) return;
    this.askEveryone(peer);
  }

  /** Does a peer that is staying have `h` (by its headers)? Then the wanted set gets it there. */
  private anyoneHas(h: Hash): boolean {
    for (const p of this.env.readyPeers()) if (!p.closing && this.canServe(p, h)) return true;
    return false;
  }

  /** Asks every other peer what it has (getheaders from our tip), unless an answer is pending. */
  private askEveryone(except: Peer): void {
    for (const p of this.env.readyPeers()) if (p !== except && !p.closing && !p.headersPending) this.requestHeaders(p);
  }
}

export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
