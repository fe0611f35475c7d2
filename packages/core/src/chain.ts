import type { Amount } from "./amount.js";
import { type Block, type BlockHeader, blockHash, blockSize, readHeader, writeHeader } from "./block.js";
import { DecodeError, Reader, Writer } from "./encoding.js";
import { genesisBlock } from "./genesis.js";
import type { Hash } from "./hash.js";
import { merkleRoot } from "./merkle.js";
import type { NetworkParams } from "./params.js";
import { workOfBits } from "./pow.js";
import { isReason, REASONS, type Reason } from "./reasons.js";
import { SigCache } from "./sigcache.js";
import type { BatchVerifier } from "./sigverify.js";
import { txid } from "./transaction.js";
import { type Coin, MemoryUtxoSet, type UtxoEntry, type UtxoSet } from "./utxo.js";
import {
  checkBlockBody,
  checkBlockHeader,
  checkCoinbaseHeight,
  connectBlockTxs,
  connectBlockTxsWith,
  contextualCheckBlockHeader,
  disconnectBlockTxs,
  formatReject,
  type Reject,
  reject,
} from "./validation.js";

/**
 * - `stored`: passed every check that needs no UTXO set; not (yet) on the best chain's connected path
 * - `valid`: has been connected once, so every rule passed
 * - `invalid`: broke a rule; so do its descendants
 */
export type BlockStatus = "stored" | "valid" | "invalid";

export interface BlockIndexEntry {
  hash: Hash;
  header: BlockHeader;
  height: number;
  chainWork: bigint;
  parent: BlockIndexEntry | undefined;
  status: BlockStatus;
  invalidReason?: string;
  /** arrival order: on equal work the first seen stays best */
  seq: number;
  size: number;
  txCount: number;
  /** whether the body is stored (invalid blocks keep only the header) */
  hasData: boolean;
  /** asked for on a branch whose headers pass the tip (SubmitOptions.towardMoreWork); kept in memory only */
  headed?: boolean;
}

/** One atomic write: everything that changes when one block is connected or disconnected. */
export interface ChainUpdate {
  kind: "connect" | "disconnect";
  hash: Hash;
  /** the tip after this update */
  tip: Hash;
  /** undo data to store (connect) */
  undo?: Coin[];
  addCoins: UtxoEntry[];
  removeCoins: { txid: Hash; vout: number }[];
  entries: BlockIndexEntry[];
}

export interface LoadedChain {
  entries: BlockIndexEntry[];
  tip: Hash;
  coins: Iterable<UtxoEntry>;
}

/** Where the chain state keeps what does not fit its memory: bodies, undo data, durability. */
export interface ChainBackend {
  load(): Promise<LoadedChain | undefined>;
  /** a block that passed its context-free checks, with its index entry */
  saveBlock(entry: BlockIndexEntry, block: Block): Promise<void>;
  getBlock(hash: Hash): Promise<Block | undefined>;
  getUndo(hash: Hash): Promise<Coin[] | undefined>;
  commit(update: ChainUpdate): Promise<void>;
  /** status changes outside a connect (blocks found invalid) */
  saveEntries(entries: BlockIndexEntry[]): Promise<void>;
  /** forgets side-branch blocks, bodies and index entries (never on the active chain); optional */
  pruneBlocks?(hashes: Hash[]): Promise<void>;
}

export type SubmitResult =
  | {
      ok: true;
      hash: Hash;
      height: number /** on the best chain after this call */;
      active: boolean;
      /** stored, then forgotten at once: it was on the lowest-work side branch beyond maxSideBlocks */
      pruned?: boolean;
    }
  | (Reject & { hash?: Hash; remembered: boolean });

export interface ConnectedInfo {
  entry: BlockIndexEntry;
  block: Block;
  fees: Amount;
  undo: Coin[];
}

export interface ReorgInfo {
  from: BlockIndexEntry;
  to: BlockIndexEntry;
  fork: BlockIndexEntry;
  depth: number;
  disconnected: { entry: BlockIndexEntry; block: Block }[];
  connected: { entry: BlockIndexEntry; block: Block }[];
}

export interface ChainListener {
  blockConnected?(info: ConnectedInfo): void;
  blockDisconnected?(entry: BlockIndexEntry, block: Block): void;
  /** after a switch of branch is complete (not called for a plain extension) */
  reorganized?(info: ReorgInfo): void;
  blockInvalid?(entry: BlockIndexEntry, reason: string): void;
}

export interface ChainOptions {
  /** unix seconds; the `time-too-new` rule uses it */
  now?: () => number;
  utxos?: UtxoSet;
  sigCache?: SigCache;
  /**
   * stored blocks off the active chain kept at most (default 1,000); beyond it the
   * lowest-work side branches are forgotten, so fork blocks cannot grow memory and
   * disk without bound (issue 12, attack 6). A forgotten block is fetched again if
   * its branch ever gains the most work.
   */
  maxSideBlocks?: number;
  /**
   * bytes of block bodies (serialized size) kept off the active chain at most (default
   * 32 MiB, DEFAULT_MAX_SIDE_BYTES); beyond it side-branch leaves are forgotten least-work
   * first, blocks headed past the tip included: with free proof of work a peer can show a
   * heavier chain and withhold its last block, and every other block of it would be kept
   * (issue 12: three such peers with 800 KB blocks took RSS to 600 MB). A branch must fit in
   * this budget to be switched to: a reorg deeper than that many bytes of blocks needs a
   * larger value.
   */
  maxSideBytes?: number;
  /**
   * Who checks a block's signatures (a worker pool, say); without one they are
   * checked on the calling thread. Either way the verdict is the same.
   */
  verifier?: BatchVerifier;
}

export interface SubmitOptions {
  /**
   * Nobody asked for this block (a peer sent it unannounced): store it only if it would
   * carry more work than the tip, so low-work fork blocks cost nothing to refuse (as
   * Bitcoin Core's AcceptBlock does for unrequested blocks). Refused as `low-work`.
   */
  requireMoreWork?: boolean;
  /**
   * It was asked for because a peer's headers show its chain passing our tip: a branch on its
   * way past the tip, which pruning keeps after every side block without that claim (found by
   * an attack: 1,000 announced tie-work blocks crowded out an honest heavier branch block by
   * block as it arrived, and a fork deeper than maxSideBlocks never finished downloading).
   */
  towardMoreWork?: boolean;
}

/** Side blocks on a branch headed past the tip are pruned only beyond this many times maxSideBlocks (or past maxSideBytes). */
export const HEADED_SIDE_FACTOR = 4;

/** Default of ChainOptions.maxSideBytes: 40 blocks of the 800 KB the attack used, tens of thousands of ordinary ones. */
export const DEFAULT_MAX_SIDE_BYTES = 32 * 1024 * 1024;

/**
 * Which side leaf goes first: one not headed past the tip before one that is, a header-only
 * invalid one before a stored one, less work before more, and on a tie the newest.
 */
function prunesBefore(e: BlockIndexEntry, than: BlockIndexEntry): boolean {
  if (!e.headed !== !than.headed) return !e.headed;
  if (e.hasData !== than.hasData) return !e.hasData;
  if (e.chainWork !== than.chainWork) return e.chainWork < than.chainWork;
  return e.seq > than.seq;
}

/** An invalid entry keeps `formatReject` text; split it back so the reason stays the stable string. */
function storedReject(e: BlockIndexEntry): Reject {
  const [head, ...rest] = (e.invalidReason ?? "").split(": ");
  if (isReason(head)) return reject(head, rest.length ? rest.join(": ") : undefined);
  // only a damaged or foreign index could hold a reason the table lacks: still invalid, said as it was
  return reject("bad-prevblk", `remembered as invalid: ${e.invalidReason}`);
}

/** The reason of blocks invalidated by hand, and of their descendants: no rule was broken. */
export const MANUAL = "manually-invalidated" satisfies Reason;

/**
 * The chain state: a tree of blocks with cumulative work, the best chain, and its
 * UTXO set. Every operation that changes it runs one at a time.
 */
export class ChainState {
  readonly index = new Map<Hash, BlockIndexEntry>();
  private readonly active: BlockIndexEntry[] = [];
  private readonly listeners: ChainListener[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  /** bodies of blocks on their way to being connected, to spare a read */
  private readonly recent = new Map<Hash, Block>();
  readonly utxos: UtxoSet;
  readonly sigCache: SigCache;
  private readonly now: () => number;
  readonly maxSideBlocks: number;
  readonly maxSideBytes: number;
  /** findBest's candidates; rebuilt from the index when stale */
  private readonly candidates = new Set<BlockIndexEntry>();
  private candidatesStale = true;
  private readonly verifier: BatchVerifier | undefined;

  private constructor(
    readonly params: NetworkParams,
    private readonly backend: ChainBackend,
    opts: ChainOptions,
  ) {
    this.utxos = opts.utxos ?? new MemoryUtxoSet();
    this.sigCache = opts.sigCache ?? new SigCache();
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.maxSideBlocks = opts.maxSideBlocks ?? 1_000;
    this.maxSideBytes = opts.maxSideBytes ?? DEFAULT_MAX_SIDE_BYTES;
    this.verifier = opts.verifier;
  }

  /** Loads the stored chain, or starts a new one at genesis; resumes an interrupted switch of branch. */
  static async open(params: NetworkParams, backend: ChainBackend, opts: ChainOptions = {}): Promise<ChainState> {
    const cs = new ChainState(params, backend, opts);
    const loaded = await backend.load();
    if (loaded) cs.restore(loaded);
    else await cs.initGenesis();
    await cs.run(() => cs.activateBestChain());
    return cs;
  }

  private restore(loaded: LoadedChain): void {
    const genesis = blockHash(genesisBlock(this.params).header);
    const sorted = [...loaded.entries].sort((a, b) => a.height - b.height || a.seq - b.seq);
    if (sorted.length === 0 || sorted[0].hash !== genesis) {
      throw new Error(`stored chain does not start at this network's genesis ${genesis}`);
    }
    for (const e of sorted) {
      const parent = e.height === 0 ? undefined : this.index.get(e.header.prevHash);
      if (e.height > 0 && !parent) throw new Error(`stored block ${e.hash} has no stored parent`);
      e.parent = parent;
      e.chainWork = (parent?.chainWork ?? 0n) + workOfBits(e.header.bits);
      this.index.set(e.hash, e);
      this.seq = Math.max(this.seq, e.seq + 1);
    }
    const tip = this.index.get(loaded.tip);
    if (!tip) throw new Error(`stored tip ${loaded.tip} is not in the block index`);
    for (let e: BlockIndexEntry | undefined = tip; e; e = e.parent) this.active[e.height] = e;
    for (const c of loaded.coins) this.utxos.add(c.txid, c.vout, c.coin);
  }

  private async initGenesis(): Promise<void> {
    const block = genesisBlock(this.params);
    const entry = this.newEntry(block, undefined);
    entry.status = "valid";
    await this.backend.saveBlock(entry, block);
    // The genesis block is fixed by the network, not checked by the rules; its outputs are spendable at once.
    const cb = block.txs[0];
    const id = txid(cb);
    const addCoins: UtxoEntry[] = cb.outputs.map((o, vout) => ({
      txid: id,
      vout,
      coin: { value: o.value, pubkey: o.pubkey, height: 0, coinbase: true },
    }));
    await this.backend.commit({
      kind: "connect",
      hash: entry.hash,
      tip: entry.hash,
      undo: [],
      addCoins,
      removeCoins: [],
      entries: [entry],
    });
    for (const a of addCoins) this.utxos.add(a.txid, a.vout, a.coin);
    this.index.set(entry.hash, entry);
    this.active[0] = entry;
  }

  private newEntry(block: Block, parent: BlockIndexEntry | undefined): BlockIndexEntry {
    return {
      hash: blockHash(block.header),
      header: block.header,
      height: parent ? parent.height + 1 : 0,
      chainWork: (parent?.chainWork ?? 0n) + workOfBits(block.header.bits),
      parent,
      status: "stored",
      seq: this.seq++,
      size: blockSize(block),
      txCount: block.txs.length,
      hasData: true,
    };
  }

  addListener(l: ChainListener): void {
    this.listeners.push(l);
  }

  /** Runs `fn` after every earlier operation, so the state changes one step at a time. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  get tip(): BlockIndexEntry {
    return this.active[this.active.length - 1];
  }

  get height(): number {
    return this.active.length - 1;
  }

  get genesis(): BlockIndexEntry {
    return this.active[0];
  }

  atHeight(h: number): BlockIndexEntry | undefined {
    return this.active[h];
  }

  isActive(e: BlockIndexEntry): boolean {
    return this.active[e.height] === e;
  }

  getEntry(hash: Hash): BlockIndexEntry | undefined {
    return this.index.get(hash);
  }

  async getBlock(hash: Hash): Promise<Block | undefined> {
    return this.recent.get(hash) ?? (await this.backend.getBlock(hash));
  }

  getUndo(hash: Hash): Promise<Coin[] | undefined> {
    return this.backend.getUndo(hash);
  }

  /** Median of the times of the up to `medianTimeSpan` blocks ending at `e`. */
  medianTimePast(e: BlockIndexEntry): number {
    const times: number[] = [];
    for (let p: BlockIndexEntry | undefined = e; p && times.length < this.params.medianTimeSpan; p = p.parent) {
      times.push(p.header.time);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  }

  /** SPEC §6 block rules in order; a block that passes is stored and the best chain follows the most work. */
  submitBlock(block: Block, opts: SubmitOptions = {}): Promise<SubmitResult> {
    return this.run(() => this.processBlock(block, opts));
  }

  private async processBlock(block: Block, opts: SubmitOptions): Promise<SubmitResult> {
    const hash = blockHash(block.header);
    const known = this.index.get(hash);
    if (known) {
      if (known.status === "invalid") {
        return { ...storedReject(known), hash, remembered: true };
      }
      if (known.hasData) return { ...reject("duplicate", `block ${hash} is already known`), hash, remembered: true };
    }
    const h = block.header;
    const pow = checkBlockHeader(h, hash, this.params);
    if (!pow.ok) return { ...pow, hash, remembered: false };
    const parent = this.index.get(h.prevHash);
    if (!parent) {
      return { ...reject("prev-blk-not-found", `parent ${h.prevHash} is unknown`), hash, remembered: false };
    }
    if (opts.requireMoreWork && parent.chainWork + workOfBits(h.bits) <= this.tip.chainWork) {
      return {
        ...reject(
          "low-work",
          `block ${hash} at height ${parent.height + 1} would not carry more work than the tip at height ${this.height}; it was not asked for`,
        ),
        hash,
        remembered: false,
      };
    }
    const fail = async (r: Reject): Promise<SubmitResult> => {
      if (!REASONS[r.reason].remembered) return { ...r, hash, remembered: false };
      const entry = this.newEntry(block, parent);
      entry.hasData = false;
      entry.status = "invalid";
      entry.invalidReason = formatReject(r);
      // Known only once stored: a child must never be saved on a parent the backend lacks.
      await this.backend.saveEntries([entry]);
      this.index.set(hash, entry);
      for (const l of this.listeners) l.blockInvalid?.(entry, entry.invalidReason);
      // A block on a branch left by hand gets its sender no ban: its header counts against the bound.
      await this.pruneSideBranches();
      return { ...r, hash, remembered: this.index.has(hash) };
    };
    const header = contextualCheckBlockHeader(
      h,
      {
        ...(parent.status === "invalid" ? { parentInvalid: { hash: parent.hash, reason: parent.invalidReason ?? "" } } : {}),
        medianTimePast: this.medianTimePast(parent),
        now: this.now(),
      },
      this.params,
    );
    if (!header.ok) return fail(header);
    const body = checkBlockBody(block, this.params);
    if (!body.ok) {
      // The size rule comes before the merkle check; a body that does not match the header
      // (a peer's empty or padded copy) must not condemn the block the header names.
      if (body.reason === "bad-blk-length" && merkleRoot(block.txs.map(txid)) !== h.merkleRoot) {
        return { ...body, hash, remembered: false };
      }
      return fail(body);
    }
    const cbh = checkCoinbaseHeight(block, parent.height + 1);
    if (!cbh.ok) return fail(cbh);

    const entry = this.newEntry(block, parent);
    if (opts.towardMoreWork) entry.headed = true;
    await this.backend.saveBlock(entry, block);
    this.index.set(hash, entry);
    if (!this.candidatesStale) this.candidates.add(entry);
    this.recent.set(hash, block);
    try {
      await this.activateBestChain();
    } finally {
      this.recent.delete(hash);
    }
    if (!this.isActive(entry)) await this.pruneSideBranches();
    if (entry.status === "invalid") return { ...storedReject(entry), hash, remembered: true };
    return { ok: true, hash, height: entry.height, active: this.isActive(entry), ...(this.index.has(hash) ? {} : { pruned: true }) };
  }

  /** Stored blocks off the active chain (bodies kept): what maxSideBlocks bounds. */
  get sideBlockCount(): number {
    let n = 0;
    for (const e of this.index.values()) if (e.hasData && !this.isActive(e)) n++;
    return n;
  }

  /** Bytes of the bodies stored off the active chain: what maxSideBytes bounds. */
  get sideBytes(): number {
    let n = 0;
    for (const e of this.index.values()) if (e.hasData && !this.isActive(e)) n += e.size;
    return n;
  }

  /**
   * Drops the claim that blocks are on a branch headed past the tip (SubmitOptions.towardMoreWork):
   * the peer whose headers showed that branch left without delivering it, so its blocks are
   * ordinary side blocks again, pruned before any still claimed (issue 12, withheld heavier fork).
   */
  unhead(hashes: Iterable<Hash>): Promise<void> {
    return this.run(async () => {
      let any = false;
      for (const h of hashes) {
        const e = this.index.get(h);
        if (e?.headed) {
          e.headed = false;
          any = true;
        }
      }
      if (any) await this.pruneSideBranches();
    });
  }

  /**
   * Beyond maxSideBlocks or maxSideBytes, forgets side-branch leaves with the least work (the
   * newest on a tie), one at a time, so a child never outlives its parent and the branch
   * closest to overtaking the tip is kept longest. The bounds must exceed the deepest reorg
   * expected. Invalid blocks kept by header only count too (against the count), and go first:
   * a peer sending blocks on a branch left by hand (`manually-invalidated`) breaks no rule and
   * is never banned. A branch headed past the tip is spared by the count until it is far
   * exceeded, never by the byte budget: its bodies are what an attacker withholding the last
   * block makes us keep.
   */
  private async pruneSideBranches(): Promise<void> {
    const side: BlockIndexEntry[] = [];
    const children = new Map<BlockIndexEntry, number>();
    let bytes = 0;
    for (const e of this.index.values()) {
      if (e.parent) children.set(e.parent, (children.get(e.parent) ?? 0) + 1);
      if ((e.hasData || e.status === "invalid") && !this.isActive(e)) {
        side.push(e);
        if (e.hasData) bytes += e.size;
      }
    }
    if (side.length <= this.maxSideBlocks && bytes <= this.maxSideBytes) return;
    const gone = new Set<BlockIndexEntry>();
    let left = side.length;
    while (left > this.maxSideBlocks || bytes > this.maxSideBytes) {
      let worst: BlockIndexEntry | undefined;
      for (const e of side) {
        if (gone.has(e) || (children.get(e) ?? 0) > 0) continue;
        if (!worst || prunesBefore(e, worst)) worst = e;
      }
      if (!worst) break;
      // a branch on its way past the tip goes only when the count is far exceeded, or the bytes are
      if (worst.headed && left <= this.maxSideBlocks * HEADED_SIDE_FACTOR && bytes <= this.maxSideBytes) break;
      gone.add(worst);
      left--;
      if (worst.hasData) bytes -= worst.size;
      if (worst.parent) children.set(worst.parent, (children.get(worst.parent) ?? 1) - 1);
    }
    if (gone.size === 0) return;
    const hashes = [...gone].map((e) => e.hash);
    await this.backend.pruneBlocks?.(hashes);
    for (const h of hashes) this.index.delete(h);
    this.candidatesStale = true;
  }

  /**
   * The stored, not-invalid block with the most work, first seen on a tie, if it beats the tip.
   * It looks only at candidates (Core's setBlockIndexCandidates): stored blocks not yet found
   * unable to beat the tip. One that cannot beat the tip is dropped for good, since the tip only
   * gets better, except when a block is marked invalid (the tip may step back) or blocks are
   * forgotten: then the set is rebuilt from the whole index. Walking the whole index on every
   * connect made a 1,000-node simulation quadratic in the chain's length.
   */
  private findBest(): BlockIndexEntry | undefined {
    if (this.candidatesStale) {
      this.candidates.clear();
      for (const e of this.index.values()) if (e.hasData && e.status !== "invalid") this.candidates.add(e);
      this.candidatesStale = false;
    }
    let best: BlockIndexEntry | undefined;
    const tip = this.tip;
    for (const e of this.candidates) {
      // Equal work counts when seen before the tip: after a switch fails on an invalid block,
      // the node may stand on a later-seen tie and must return to the first-seen one.
      if (e.status === "invalid" || !e.hasData || e.chainWork < tip.chainWork || (e.chainWork === tip.chainWork && e.seq >= tip.seq)) {
        this.candidates.delete(e);
        continue;
      }
      if (!best || e.chainWork > best.chainWork || (e.chainWork === best.chainWork && e.seq < best.seq)) best = e;
    }
    return best;
  }

  private findFork(e: BlockIndexEntry): BlockIndexEntry {
    let p: BlockIndexEntry | undefined = e;
    while (p && !this.isActive(p)) p = p.parent;
    if (!p) throw new Error("block is not connected to genesis");
    return p;
  }

  /**
   * Marks a block and its descendants invalid by hand (Core's invalidateblock), steps the
   * tip back off them and follows the best chain that is left. Listeners hear a reorganization.
   */
  invalidateBlock(hash: Hash, why = "invalidateblock"): Promise<void> {
    return this.run(async () => {
      const e = this.index.get(hash);
      if (!e) throw new Error(`block not found: ${hash}`);
      if (!e.parent) throw new Error("the genesis block cannot be invalidated");
      const start = this.tip;
      await this.markInvalid(e, `${MANUAL}: ${why}`);
      const disconnected: { entry: BlockIndexEntry; block: Block }[] = [];
      while (this.tip.status === "invalid") disconnected.push(await this.disconnectTip());
      await this.activateBestChain(start, disconnected);
    });
  }

  /**
   * Clears the invalid mark of a block, its ancestors and its descendants (Core's
   * reconsiderblock) and follows the best chain again; a block that truly breaks a rule
   * is found invalid again when connected.
   */
  reconsiderBlock(hash: Hash): Promise<void> {
    return this.run(async () => {
      const e = this.index.get(hash);
      if (!e) throw new Error(`block not found: ${hash}`);
      const changed: BlockIndexEntry[] = [];
      const clear = (x: BlockIndexEntry) => {
        if (x.status !== "invalid") return;
        // without a way to forget it, a header-only block stays invalid (see below)
        if (!x.hasData && !this.backend.pruneBlocks) return;
        x.status = "stored";
        x.invalidReason = undefined;
        changed.push(x);
      };
      for (let p: BlockIndexEntry | undefined = e; p; p = p.parent) clear(p);
      for (const d of this.index.values()) {
        if (d.status !== "invalid" || d.height <= e.height) continue;
        for (let p = d.parent; p && p.height >= e.height; p = p.parent) {
          if (p === e) {
            clear(d);
            break;
          }
        }
      }
      // A block refused for its invalid parent was kept by header only: cleared, it would be a
      // "stored" block without a body, counted as held (never fetched again) yet impossible to
      // connect, and a descendant arriving later would make every activation throw. Forgotten
      // instead, it is fetched again like any unknown block.
      const forget = changed.filter((x) => !x.hasData);
      const kept = changed.filter((x) => x.hasData);
      if (kept.length) await this.backend.saveEntries(kept);
      if (forget.length) {
        await this.backend.pruneBlocks?.(forget.map((x) => x.hash));
        for (const x of forget) this.index.delete(x.hash);
      }
      // blocks no longer invalid are candidates again
      this.candidatesStale = true;
      await this.activateBestChain();
    });
  }

  private async activateBestChain(
    start: BlockIndexEntry = this.tip,
    disconnected: { entry: BlockIndexEntry; block: Block }[] = [],
  ): Promise<void> {
    const connected: { entry: BlockIndexEntry; block: Block }[] = [];
    for (;;) {
      const best = this.findBest();
      if (!best) break;
      const fork = this.findFork(best);
      while (this.tip !== fork) disconnected.push(await this.disconnectTip());
      const path: BlockIndexEntry[] = [];
      for (let p: BlockIndexEntry | undefined = best; p && p !== fork; p = p.parent) path.push(p);
      path.reverse();
      for (const e of path) {
        const r = await this.connectEntry(e);
        if (!r.ok) {
          await this.markInvalid(e, formatReject(r));
          break;
        }
        connected.push({ entry: e, block: r.block });
      }
    }
    if (disconnected.length > 0) {
      const fork = this.findFork(start);
      const info: ReorgInfo = {
        from: start,
        to: this.tip,
        fork,
        depth: start.height - fork.height,
        disconnected,
        connected: connected.filter((c) => this.isActive(c.entry)),
      };
      for (const l of this.listeners) l.reorganized?.(info);
    }
  }

  private async blockOf(e: BlockIndexEntry): Promise<Block> {
    const b = await this.getBlock(e.hash);
    if (!b) throw new Error(`block ${e.hash} at height ${e.height} is missing from storage`);
    return b;
  }

  private async connectEntry(e: BlockIndexEntry): Promise<{ ok: true; block: Block } | Reject> {
    const block = await this.blockOf(e);
    // The UTXO set cannot change while a verifier works: every change runs in `run`, one at a time,
    // and the block's own changes are applied below only once every signature verified.
    const r = this.verifier
      ? await connectBlockTxsWith(this.verifier, block, e.height, this.utxos, this.params, this.sigCache)
      : connectBlockTxs(block, e.height, this.utxos, this.params, this.sigCache);
    if (!r.ok) return r;
    e.status = "valid";
    await this.backend.commit({
      kind: "connect",
      hash: e.hash,
      tip: e.hash,
      undo: r.undo,
      addCoins: [...r.overlay.adds.values()],
      removeCoins: [...r.overlay.removes.values()],
      entries: [e],
    });
    r.overlay.applyTo(this.utxos);
    this.active.push(e);
    for (const l of this.listeners) l.blockConnected?.({ entry: e, block, fees: r.fees, undo: r.undo });
    return { ok: true, block };
  }

  private async disconnectTip(): Promise<{ entry: BlockIndexEntry; block: Block }> {
    const e = this.tip;
    if (!e.parent) throw new Error("cannot disconnect the genesis block");
    const block = await this.blockOf(e);
    const undo = await this.backend.getUndo(e.hash);
    if (!undo) throw new Error(`undo data of block ${e.hash} is missing from storage`);
    const overlay = disconnectBlockTxs(block, undo, this.utxos);
    if ("reason" in overlay) throw new Error(`cannot disconnect block ${e.hash}: ${formatReject(overlay)}`);
    await this.backend.commit({
      kind: "disconnect",
      hash: e.hash,
      tip: e.parent.hash,
      addCoins: [...overlay.adds.values()],
      removeCoins: [...overlay.removes.values()],
      entries: [],
    });
    overlay.applyTo(this.utxos);
    this.active.pop();
    for (const l of this.listeners) l.blockDisconnected?.(e, block);
    return { entry: e, block };
  }

  private async markInvalid(e: BlockIndexEntry, reason: string): Promise<void> {
    this.candidatesStale = true;
    const changed: BlockIndexEntry[] = [];
    const inherited = reason.startsWith(MANUAL) ? MANUAL : "bad-prevblk";
    e.status = "invalid";
    e.invalidReason = reason;
    changed.push(e);
    for (const d of this.index.values()) {
      if (d.status === "invalid" || d.height <= e.height) continue;
      for (let p = d.parent; p && p.height >= e.height; p = p.parent) {
        if (p === e) {
          d.status = "invalid";
          d.invalidReason = `${inherited}: descends from invalid block ${e.hash}`;
          changed.push(d);
          break;
        }
      }
    }
    await this.backend.saveEntries(changed);
    for (const c of changed) for (const l of this.listeners) l.blockInvalid?.(c, c.invalidReason ?? reason);
  }

  /**
   * The best chain's headers after the first locator hash on it (genesis if none), at most
   * `max`, up to `stop`: the answer to a peer's getheaders. `shown` may hide blocks (a
   * simulated selfish miner's private branch): the answer stops before the first hidden one.
   */
  headersAfter(locator: readonly Hash[], stop: Hash | undefined, max: number, shown: (hash: Hash) => boolean = () => true): BlockHeader[] {
    let fork = this.genesis;
    for (const h of locator) {
      const e = this.index.get(h);
      if (e && this.isActive(e)) {
        fork = e;
        break;
      }
    }
    const out: BlockHeader[] = [];
    for (let h = fork.height + 1; h <= this.height && out.length < max; h++) {
      const e = this.atHeight(h);
      if (!e || !shown(e.hash)) break;
      out.push(e.header);
      if (stop && e.hash === stop) break;
    }
    return out;
  }

  /** Hashes from the tip back, dense first then doubling steps, ending at genesis (for peers to find the fork). */
  locator(): Hash[] {
    const out: Hash[] = [];
    let step = 1;
    for (let h = this.height; h > 0; h -= step) {
      out.push(this.active[h].hash);
      if (out.length >= 10) step *= 2;
    }
    out.push(this.active[0].hash);
    return out;
  }
}

/** Index entry as stored: header | height | status | seq | size | txCount | hasData | reason. */
export function encodeIndexEntry(e: BlockIndexEntry): Uint8Array {
  const w = new Writer(128);
  writeHeader(w, e.header);
  w.u32(e.height)
    .u8(e.status === "valid" ? 1 : e.status === "invalid" ? 2 : 0)
    .u32(e.seq)
    .u32(e.size)
    .u32(e.txCount)
    .u8(e.hasData ? 1 : 0)
    .varBytes(new TextEncoder().encode(e.invalidReason ?? ""));
  return w.finish();
}

/** Parent links and chain work are filled in by ChainState when it loads the index. */
export function decodeIndexEntry(buf: Uint8Array): BlockIndexEntry {
  const r = new Reader(buf);
  const header = readHeader(r);
  const height = r.u32();
  const st = r.u8();
  if (st > 2) throw new DecodeError("bad block status");
  const seq = r.u32();
  const size = r.u32();
  const txCount = r.u32();
  const hasData = r.u8() === 1;
  const reason = new TextDecoder().decode(r.varBytes("reason"));
  r.end("index entry");
  return {
    hash: blockHash(header),
    header,
    height,
    chainWork: 0n,
    parent: undefined,
    status: st === 1 ? "valid" : st === 2 ? "invalid" : "stored",
    ...(reason ? { invalidReason: reason } : {}),
    seq,
    size,
    txCount,
    hasData,
  };
}

/** A backend that keeps everything in memory: for tests, `--memory`, and as the reference behaviour. */
export class MemoryChainBackend implements ChainBackend {
  readonly blocks = new Map<Hash, Block>();
  readonly undos = new Map<Hash, Coin[]>();
  readonly entries = new Map<Hash, Uint8Array>();
  readonly coins = new Map<string, UtxoEntry>();
  tip: Hash | undefined;

  async load(): Promise<LoadedChain | undefined> {
    if (!this.tip) return undefined;
    return {
      entries: [...this.entries.values()].map(decodeIndexEntry),
      tip: this.tip,
      coins: [...this.coins.values()],
    };
  }

  async saveBlock(entry: BlockIndexEntry, block: Block): Promise<void> {
    this.blocks.set(entry.hash, block);
    this.entries.set(entry.hash, encodeIndexEntry(entry));
  }

  async getBlock(hash: Hash): Promise<Block | undefined> {
    return this.blocks.get(hash);
  }

  async getUndo(hash: Hash): Promise<Coin[] | undefined> {
    return this.undos.get(hash);
  }

  async commit(u: ChainUpdate): Promise<void> {
    for (const r of u.removeCoins) this.coins.delete(`${r.txid}:${r.vout}`);
    for (const a of u.addCoins) this.coins.set(`${a.txid}:${a.vout}`, a);
    if (u.kind === "connect") this.undos.set(u.hash, u.undo ?? []);
    else this.undos.delete(u.hash);
    for (const e of u.entries) this.entries.set(e.hash, encodeIndexEntry(e));
    this.tip = u.tip;
  }

  async saveEntries(entries: BlockIndexEntry[]): Promise<void> {
    for (const e of entries) this.entries.set(e.hash, encodeIndexEntry(e));
  }

  async pruneBlocks(hashes: Hash[]): Promise<void> {
    for (const h of hashes) {
      this.blocks.delete(h);
      this.entries.delete(h);
    }
  }
}
