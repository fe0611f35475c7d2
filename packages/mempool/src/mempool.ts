import {
  type Amount,
  type Block,
  type ChainState,
  type Coin,
  type CoinView,
  type ConnectedInfo,
  checkTransaction,
  checkTxInputs,
  genesisBlock,
  type Hash,
  HEADER_SIZE,
  isCoinbase,
  outpointKey,
  REASONS,
  type Reason,
  type ReorgInfo,
  type Transaction,
  txid,
  txSize,
  unitsText,
} from "@utxolab/core";
import type { MempoolEntry, MempoolListener, PoolEntry, RemovalReason } from "./entry.js";
import { compareRate } from "./feerate.js";
import { TxGraph } from "./graph.js";
import { type MempoolOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { OrphanPool } from "./orphans.js";
import { RecentTxids } from "./recent.js";
import { type BlockTemplate, selectTemplate } from "./template.js";

export interface AcceptSuccess {
  ok: true;
  txid: Hash;
  fee: Amount;
  size: number;
  /** the entry in the pool (with dryRun: the entry it would have been) */
  entry: MempoolEntry;
  /** waiting transactions evicted to make room (with dryRun: that would have been) */
  evicted: Hash[];
  /** held orphans that entered after this transaction, in the order they entered */
  orphansAccepted: Hash[];
}

export interface AcceptFailure {
  ok: false;
  txid: Hash;
  /** SPEC §6/§7 reason */
  reason: Reason;
  /** the numbers behind it and what to do */
  detail?: string;
  /** an input is neither an unspent output of the chain nor of a waiting transaction */
  missingInputs?: boolean;
  /** held as an orphan until its parents arrive (only with allowOrphan) */
  orphaned?: boolean;
  /** a §6 rule broke that no later block can mend: whoever relayed it misbehaves */
  consensus: boolean;
}

export type AcceptResult = AcceptSuccess | AcceptFailure;

export interface AcceptOptions {
  /** check everything, change nothing (testmempoolaccept) */
  dryRun?: boolean;
  /** peers: hold a transaction with unknown parents until they arrive (bounded) */
  allowOrphan?: boolean;
  /**
   * unix seconds it first entered a pool: a pool reloaded from the node's mempool.dat keeps its
   * times, so expiry still counts from then (default: now)
   */
  enteredAt?: number;
}

export interface TemplateOptions {
  /** defaults to the network's maxBlockSize */
  maxBlockSize?: number;
  /** bytes kept free for the coinbase (default 1,000) */
  coinbaseReserve?: number;
  /** signatures (inputs) in the chosen transactions; default the pool's maxBlockSigs */
  maxSigs?: number;
}

/** Txids of recent blocks remembered for `txn-already-known` (about 25 full blocks). */
const RECENT_CONFIRMED = 50_000;

/** Header plus the largest transaction count a block may need. */
const BLOCK_OVERHEAD = HEADER_SIZE + 9;

type Checked = { ok: true; fee: Amount; size: number };
/** A refusal, and for missing inputs the unknown parents an orphan would wait on. */
type Refusal = AcceptFailure & { orphanOf?: Hash[] };

/**
 * The pool of valid transactions waiting for a block (SPEC §7). Every entry is valid
 * at the next block's height against the chain's unspent outputs plus the outputs of
 * the entries before it; no two entries spend the same outpoint. The pool follows the
 * chain through its listener: confirmed and conflicting entries leave when a block
 * connects; a reorganization puts the disconnected blocks' transactions back.
 */
export class Mempool implements CoinView {
  private readonly graph = new TxGraph();
  private readonly orphans: OrphanPool;
  private readonly recent = new RecentTxids(RECENT_CONFIRMED);
  private readonly listeners: MempoolListener[] = [];
  private readonly opts: ResolvedOptions;

  constructor(
    private readonly chain: ChainState,
    options: MempoolOptions = {},
  ) {
    this.opts = resolveOptions(options);
    this.orphans = new OrphanPool(this.opts.maxOrphans, this.opts.orphanExpirySeconds, this.opts.maxOrphanBytes);
    // The genesis coinbase is older than any block the pool sees connect; its txid is known all the same.
    this.recent.add(txid(genesisBlock(chain.params).txs[0]), 0);
    chain.addListener({
      blockConnected: (info) => this.onBlockConnected(info),
      blockDisconnected: (_entry, block) => this.onBlockDisconnected(block),
      reorganized: (info) => this.onReorganized(info),
    });
  }

  /** number of waiting transactions */
  get size(): number {
    return this.graph.size;
  }

  /** serialized bytes of the waiting transactions */
  get bytes(): number {
    return this.graph.bytes;
  }

  /** the byte limit of the pool (maxmempool) */
  get maxBytes(): number {
    return this.opts.maxBytes;
  }

  /** signatures one transaction may ask the pool to check (`too-many-sigs`) */
  get maxTxSigs(): number {
    return this.opts.maxTxSigs;
  }

  /** the smallest fee rate relayed, units per byte */
  get minRelayFeeRate(): bigint {
    return this.opts.minRelayFeeRate;
  }

  /** transactions held for their missing parents (not in the pool) */
  get orphanCount(): number {
    return this.orphans.size;
  }

  /** estimated memory of the held orphans (decoded objects, not raw bytes) */
  get orphanBytes(): number {
    return this.orphans.bytes;
  }

  has(id: Hash): boolean {
    return this.graph.byId.has(id);
  }

  get(id: Hash): MempoolEntry | undefined {
    return this.graph.get(id);
  }

  /** Waiting transactions, parents before children. */
  entries(): MempoolEntry[] {
    return this.graph.ordered();
  }

  /** The waiting transaction that spends this outpoint. */
  spenderOf(id: Hash, vout: number): Hash | undefined {
    return this.graph.spentBy.get(outpointKey(id, vout));
  }

  /**
   * The chain's unspent outputs plus those of waiting transactions, minus what waiting
   * transactions spend: what a new transaction may spend. Unconfirmed outputs carry the
   * next block's height (0 confirmations).
   */
  getCoin(id: Hash, vout: number): Coin | undefined {
    if (this.graph.spentBy.has(outpointKey(id, vout))) return undefined;
    const e = this.graph.get(id);
    if (e) {
      const o = e.tx.outputs[vout];
      return o ? { value: o.value, pubkey: o.pubkey, height: this.chain.height + 1, coinbase: false } : undefined;
    }
    return this.chain.utxos.getCoin(id, vout);
  }

  addListener(l: MempoolListener): void {
    this.listeners.push(l);
  }

  /** Checks `tx` against every rule in the documented order and, unless dryRun, adds it. */
  accept(tx: Transaction, opts: AcceptOptions = {}): AcceptResult {
    const id = txid(tx);
    const now = this.opts.now();
    const r = this.tryAccept(tx, id, Math.min(now, opts.enteredAt ?? now), opts.dryRun === true);
    if (!r.ok) {
      const { orphanOf, ...failure } = r;
      if (orphanOf && opts.allowOrphan && !opts.dryRun && this.orphans.add(tx, id, orphanOf, now)) {
        return { ...failure, orphaned: true, detail: `${failure.detail}; held until its parent arrives` };
      }
      return failure;
    }
    if (opts.dryRun) return r;
    return { ...r, orphansAccepted: this.acceptOrphansOf([id], now) };
  }

  /**
   * Transactions for the next block, chosen by ancestor fee rate (CPFP counts), parents
   * first, within maxBlockSize minus the header, the transaction count and the coinbase
   * reserve. The caller's coinbase may claim subsidy + `fees`.
   */
  template(opts: TemplateOptions = {}): BlockTemplate {
    const max = opts.maxBlockSize ?? this.chain.params.maxBlockSize;
    const reserve = opts.coinbaseReserve ?? 1000;
    return selectTemplate(this.graph, Math.max(0, max - reserve - BLOCK_OVERHEAD), opts.maxSigs ?? this.opts.maxBlockSigs);
  }

  /** Removes transactions that waited longer than the expiry, with their descendants; returns their txids. */
  expire(now: number = this.opts.now()): Hash[] {
    const cutoff = now - this.opts.expirySeconds;
    const old: PoolEntry[] = [];
    for (const e of this.graph.byId.values()) if (e.time < cutoff) old.push(e);
    const removed: PoolEntry[] = [];
    for (const e of old.sort((a, b) => a.seq - b.seq)) {
      if (this.graph.get(e.txid) === e) removed.push(...this.graph.removeWithDescendants(e));
    }
    this.orphans.expire(now);
    this.emitRemoved(removed, "expired");
    return removed.map((e) => e.txid);
  }

  /** Empties the pool (a snapshot's revert puts its own transactions back); returns what left, parents first. */
  removeAll(): MempoolEntry[] {
    const all = this.graph.clear();
    this.emitRemoved([...all].reverse(), "reorg");
    return all;
  }

  // ---- acceptance ----

  private tryAccept(tx: Transaction, id: Hash, now: number, dryRun: boolean): AcceptSuccess | Refusal {
    const c = this.check(tx, id, false);
    if (!c.ok) return c;
    const entry = this.graph.newEntry(tx, id, c.fee, c.size, now, this.chain.height);
    this.graph.insert(entry);
    const { evicted, hitNew } = this.evictUntilFits(entry);
    if (hitNew || dryRun) this.undoAdmission(entry, evicted);
    if (hitNew) {
      return {
        ok: false,
        txid: id,
        reason: "mempool-full",
        detail:
          `the pool holds ${this.graph.bytes} of ${this.opts.maxBytes} bytes and this transaction (fee ${c.fee} for ${c.size} bytes) ` +
          "would be the first to leave: every waiting package pays more per byte; raise the fee",
        consensus: false,
      };
    }
    const result: AcceptSuccess = {
      ok: true,
      txid: id,
      fee: c.fee,
      size: c.size,
      entry,
      evicted: evicted.map((e) => e.txid),
      orphansAccepted: [],
    };
    if (dryRun) return result;
    this.orphans.remove(id);
    this.emitRemoved(evicted, "evicted");
    this.emitAccepted([entry]);
    return result;
  }

  /** Puts the pool back as it was before `entry` was tried: it leaves, the evicted return in their order. */
  private undoAdmission(entry: PoolEntry, evicted: PoolEntry[]): void {
    if (this.graph.get(entry.txid) === entry) this.graph.removeWithDescendants(entry);
    for (const e of evicted.filter((x) => x !== entry).sort((a, b) => a.seq - b.seq)) this.graph.insert(e);
  }

  /**
   * Every rule, in order: pool and chain membership, coinbase, §6 context-free, version,
   * size, dust, conflicts, missing inputs, §6 contextual at the next height, fee, chain
   * limits. `bypassLimits` (transactions put back after a reorganization) skips the fee
   * and chain limits, as those were met or paid once already.
   */
  private check(tx: Transaction, id: Hash, bypassLimits: boolean): Checked | Refusal {
    // whoever relays what no later block can mend misbehaves: the reasons table says which
    const fail = (reason: Reason, detail: string | undefined, extra: Partial<Refusal> = {}): Refusal => ({
      ok: false,
      txid: id,
      reason,
      ...(detail === undefined ? {} : { detail }),
      consensus: REASONS[reason].txPeerFault,
      ...extra,
    });
    const o = this.opts;
    if (this.graph.byId.has(id)) return fail("txn-already-in-mempool", `transaction ${id} is already waiting in the pool; nothing to do`);
    const confirmedAt = this.confirmedHeight(id, tx);
    if (confirmedAt !== undefined) {
      return fail("txn-already-known", `transaction ${id} is already confirmed in the block at height ${confirmedAt}; nothing to do`);
    }
    if (isCoinbase(tx)) {
      return fail(
        "coinbase",
        "a coinbase only enters the chain as the first transaction of the block that creates it; it is never relayed alone",
      );
    }
    const cf = checkTransaction(tx, this.chain.params);
    if (!cf.ok) return fail(cf.reason, cf.detail);
    if (tx.version !== 1) return fail("version", `version ${tx.version} is not relayed; build the transaction with version 1`);
    const size = txSize(tx);
    if (size > o.maxTxSize) {
      return fail("tx-size", `size ${size} > max ${o.maxTxSize} bytes; split the payment into smaller transactions with fewer inputs`);
    }
    // Cheap before costly: the signature budget is checked before any lookup or signature check.
    if (tx.inputs.length > o.maxTxSigs) {
      return fail(
        "too-many-sigs",
        `${tx.inputs.length} inputs means ${tx.inputs.length} signatures to check, max ${o.maxTxSigs} per transaction; split the payment into transactions of at most ${o.maxTxSigs} inputs`,
      );
    }
    for (let i = 0; i < tx.outputs.length; i++) {
      const v = tx.outputs[i].value;
      if (v < o.dustLimit) {
        return fail(
          "dust",
          `output ${i} pays ${unitsText(v)} < dust limit ${o.dustLimit}; pay at least ${unitsText(o.dustLimit)} or leave it to the fee`,
        );
      }
    }
    for (let i = 0; i < tx.inputs.length; i++) {
      const inp = tx.inputs[i];
      const spender = this.graph.spentBy.get(outpointKey(inp.prevTxid, inp.vout));
      if (spender !== undefined) {
        return fail(
          "txn-mempool-conflict",
          `input ${i} spends ${inp.prevTxid}:${inp.vout}, which waiting transaction ${spender} already spends; wait for it to confirm or spend another output`,
        );
      }
    }
    const missing = this.missingInputs(tx);
    if (missing) return fail("bad-txns-inputs-missingorspent", missing.detail, { missingInputs: true, orphanOf: missing.orphanOf });
    const checked = checkTxInputs(tx, this, this.chain.height + 1, this.chain.params, this.chain.sigCache);
    if (!checked.ok) return fail(checked.reason, checked.detail);
    if (!bypassLimits) {
      const required = o.minRelayFeeRate * BigInt(size);
      if (checked.fee < required) {
        return fail(
          "min-relay-fee-not-met",
          `fee ${checked.fee} < ${unitsText(required)} (${o.minRelayFeeRate} per byte × ${size} bytes); add at least ${unitsText(required - checked.fee)} of fee`,
        );
      }
      const ancestors = this.graph.ancestorsFrom(this.graph.parentsOf(tx));
      if (ancestors.size + 1 > o.maxAncestors) {
        return fail(
          "too-long-mempool-chain",
          `it would have ${ancestors.size + 1} unconfirmed ancestors counting itself, max ${o.maxAncestors}; wait for a block to confirm its parents`,
        );
      }
      for (const a of ancestors) {
        if (a.descendantCount + 1 > o.maxDescendants) {
          return fail(
            "too-long-mempool-chain",
            `waiting transaction ${a.txid} would have ${a.descendantCount + 1} unconfirmed descendants counting itself, max ${o.maxDescendants}; wait for a block to confirm it`,
          );
        }
      }
    }
    return { ok: true, fee: checked.fee, size };
  }

  /**
   * The first input that spends nothing available, and whether the transaction may wait
   * as an orphan: only when no missing input's parent is known (a known parent means
   * the output is spent or never existed, and no arrival will mend that).
   */
  private missingInputs(tx: Transaction): { detail: string; orphanOf?: Hash[] } | undefined {
    let first: string | undefined;
    let knownParent = false;
    const unknown = new Set<Hash>();
    for (let i = 0; i < tx.inputs.length; i++) {
      const inp = tx.inputs[i];
      if (this.getCoin(inp.prevTxid, inp.vout)) continue;
      const known = this.graph.byId.has(inp.prevTxid) || this.confirmedHeight(inp.prevTxid) !== undefined;
      if (known) knownParent = true;
      else unknown.add(inp.prevTxid);
      first ??=
        `input ${i} spends ${inp.prevTxid}:${inp.vout}, which is neither an unspent chain output nor an output of a waiting transaction` +
        (known
          ? " (its transaction is known: the output is spent or does not exist)"
          : " (its transaction is unknown: send the parent first)");
    }
    if (first === undefined) return undefined;
    return knownParent ? { detail: first } : { detail: first, orphanOf: [...unknown] };
  }

  /**
   * Height of the block that confirmed `id`: recent blocks' txids are remembered, and an
   * older transaction is known while any of its outputs is unspent. One whose outputs
   * are all spent and whose block is older than that memory is refused later, for its
   * inputs being spent.
   */
  private confirmedHeight(id: Hash, tx?: Transaction): number | undefined {
    const h = this.recent.heightOf(id);
    if (h !== undefined || !tx) return h;
    for (let v = 0; v < tx.outputs.length; v++) {
      const coin = this.chain.utxos.getCoin(id, v);
      if (coin) return coin.height;
    }
    return undefined;
  }

  /** Orphans whose parents just arrived, tried again breadth first; those still missing parents wait again. */
  private acceptOrphansOf(parents: Hash[], now: number): Hash[] {
    const accepted: Hash[] = [];
    const queue = [...parents];
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      for (const o of this.orphans.takeChildrenOf(p)) {
        const r = this.tryAccept(o.tx, o.txid, now, false);
        if (r.ok) {
          accepted.push(o.txid);
          queue.push(o.txid);
        } else if (r.orphanOf) this.orphans.add(o.tx, o.txid, r.orphanOf, o.time);
      }
    }
    return accepted;
  }

  // ---- eviction ----

  /**
   * Evicts whole descendant packages, lowest score first, until the pool fits. An
   * entry's score is the higher of its own fee rate and its package's (it with its
   * descendants): a parent whose child pays well stays, a cheap child of a good parent
   * goes alone. Ties evict the newest. Stops if `fresh` had to go.
   */
  private evictUntilFits(fresh?: PoolEntry): { evicted: PoolEntry[]; hitNew: boolean } {
    const evicted: PoolEntry[] = [];
    while (this.graph.bytes > this.opts.maxBytes && this.graph.size > 0) {
      const gone = this.graph.removeWithDescendants(this.worstPackage());
      evicted.push(...gone);
      if (fresh && gone.includes(fresh)) return { evicted, hitNew: true };
    }
    return { evicted, hitNew: false };
  }

  private worstPackage(): PoolEntry {
    let worst: PoolEntry | undefined;
    let wFee = 0n;
    let wSize = 1;
    for (const e of this.graph.byId.values()) {
      const own = compareRate(e.fee, e.size, e.descendantFee, e.descendantSize) >= 0;
      const fee = own ? e.fee : e.descendantFee;
      const size = own ? e.size : e.descendantSize;
      const c = worst ? compareRate(fee, size, wFee, wSize) : -1;
      if (c < 0 || (c === 0 && e.seq > (worst as PoolEntry).seq)) {
        worst = e;
        wFee = fee;
        wSize = size;
      }
    }
    return worst as PoolEntry;
  }

  // ---- following the chain ----

  private onBlockConnected(info: ConnectedInfo): void {
    const { block, entry } = info;
    const confirmed: PoolEntry[] = [];
    const conflicts: PoolEntry[] = [];
    for (let t = 0; t < block.txs.length; t++) {
      const tx = block.txs[t];
      const id = txid(tx);
      this.recent.add(id, entry.height);
      this.orphans.remove(id);
      if (t === 0) continue;
      const e = this.graph.get(id);
      if (e) {
        this.graph.removeConfirmed(e);
        confirmed.push(e);
      }
      for (const inp of tx.inputs) {
        const spender = this.graph.spentBy.get(outpointKey(inp.prevTxid, inp.vout));
        const s = spender === undefined ? undefined : this.graph.get(spender);
        if (s) conflicts.push(...this.graph.removeWithDescendants(s));
      }
    }
    this.emitRemoved(confirmed, "block");
    this.emitRemoved(conflicts, "conflict");
    const now = this.opts.now();
    this.acceptOrphansOf(block.txs.slice(1).map(txid), now);
    this.expire(now);
  }

  private onBlockDisconnected(block: Block): void {
    for (const tx of block.txs) this.recent.delete(txid(tx));
  }

  /**
   * After a switch of branch: the disconnected blocks' transactions, oldest block first
   * and in block order, then the entries that were waiting, in their order, are checked
   * again at the new tip. Those that pass form the new pool; waiting ones that fail
   * (conflict with the new chain, spend immature coinbase outputs, non-final...) leave
   * with their descendants as "reorg". Limits of fee and chain length are not applied
   * again; the byte limit is, afterwards, by eviction.
   */
  private onReorganized(info: ReorgInfo): void {
    const now = this.opts.now();
    const waiting = this.graph.clear();
    const returned: PoolEntry[] = [];
    for (const d of [...info.disconnected].reverse()) {
      for (const tx of d.block.txs.slice(1)) {
        const id = txid(tx);
        const c = this.check(tx, id, true);
        if (!c.ok) continue;
        const e = this.graph.newEntry(tx, id, c.fee, c.size, now, this.chain.height);
        this.graph.insert(e);
        returned.push(e);
      }
    }
    const dropped: PoolEntry[] = [];
    for (const e of waiting) {
      if (this.check(e.tx, e.txid, true).ok) this.graph.reenter(e);
      else dropped.push(e);
    }
    const { evicted } = this.evictUntilFits();
    // children before parents, as every other removal reports them
    this.emitRemoved(dropped.reverse(), "reorg");
    this.emitRemoved(evicted, "evicted");
    this.emitAccepted(returned.filter((e) => this.graph.get(e.txid) === e));
    this.acceptOrphansOf(
      returned.map((e) => e.txid),
      now,
    );
  }

  // ---- events ----

  private emitAccepted(entries: PoolEntry[]): void {
    for (const e of entries) for (const l of this.listeners) this.call(() => l.accepted?.(e));
  }

  private emitRemoved(entries: PoolEntry[], why: RemovalReason): void {
    for (const e of entries) for (const l of this.listeners) this.call(() => l.removed?.(e, why));
  }

  /** A listener's failure must not leave the pool half updated or break the chain's connect loop. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.onListenerError(err);
    }
  }
}
