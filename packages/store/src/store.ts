import { mkdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type Block,
  type BlockIndexEntry,
  blockHash,
  blockSize,
  type ChainBackend,
  type ChainUpdate,
  type Coin,
  decodeBlock,
  decodeIndexEntry,
  decodeUndo,
  encodeBlock,
  encodeCoin,
  encodeIndexEntry,
  encodeUndo,
  genesisBlock,
  genesisHash,
  type Hash,
  hashBytes,
  type LoadedChain,
  type NetworkParams,
  toHash,
  txid,
  type UtxoEntry,
  utf8,
} from "@utxolab/core";
import { Level } from "level";
import { MemoryLevel } from "memory-level";
import { CoinReader } from "./coins.js";
import { errorCode, messageOf, rootCause, StoreError } from "./errors.js";
import {
  appKey,
  blockKey,
  coinKey,
  hashOfKey,
  indexKey,
  logKey,
  META,
  metaKey,
  PREFIX,
  prefixRange,
  SCHEMA_VERSION,
  undoKey,
} from "./layout.js";
import { checkLevelDir, damagedFile, isDamage, repairAgain, repairLevelDir, setAside } from "./recovery.js";

export type KvOp = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

export interface KvIterator {
  nextv(size: number): Promise<[Uint8Array, Uint8Array][]>;
  close(): Promise<void>;
}

/**
 * The part of an abstract-level database (keys and values as Uint8Array) the store uses.
 * `level` and `memory-level` instances opened with `keyEncoding: "view", valueEncoding: "view"` fit it.
 */
export interface KvDb {
  readonly status: string;
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  batch(ops: KvOp[], options?: { sync?: boolean }): Promise<void>;
  /** `highWaterMarkBytes` is classic-level's read-ahead limit; other databases ignore it */
  iterator(range: { gte: Uint8Array; lt: Uint8Array; highWaterMarkBytes?: number }): KvIterator;
}

export interface StoreOptions {
  /** the node's datadir; the database lives in `<dir>/chain`, created if missing */
  dir?: string;
  /** keep everything in memory (`--memory`, tests); `dir` is ignored */
  memory?: boolean;
  params: NetworkParams;
  /**
   * fsync every write. Off by default: a killed process loses nothing either way (LevelDB has
   * handed each write to the OS before it resolves); only a power cut could lose the last blocks,
   * and the store still reopens on a consistent tip.
   */
  sync?: boolean;
  /** sees the raw database before the store does: for tests that inject faults */
  wrap?: (db: KvDb) => KvDb;
  /**
   * `--repair`: keep a copy of `<dir>/chain`, then let LevelDB rebuild its manifest from the table
   * and log files it can still read (a lost CURRENT or MANIFEST, a truncated table). Follow it
   * with `reindex()`: records in unreadable parts of a file are gone.
   */
  repair?: boolean;
  /** told what `repair` did (the copy's path, the files LevelDB set aside) */
  onRepair?: (report: string) => void;
}

const BATCH_READ = 1024;
/** room for a whole batch of UTXO records (~82 bytes each) instead of classic-level's default 16 KiB */
const READ_AHEAD_BYTES = 128 * 1024;
const MEMORY_PATH = "(memory)";

/** Chain storage on an abstract-level database: one code path for LevelDB and memory. */
export class Store implements ChainBackend {
  /** set by the first failed write; from then on every write is refused (see `write`) */
  private fatal: StoreError | undefined;
  private readonly fatalListeners: ((e: StoreError) => void)[] = [];

  private constructor(
    private readonly db: KvDb,
    /** where the database lives (`(memory)` for a memory store) */
    readonly path: string,
    /** the directory named in messages about the whole node (lock, network) */
    readonly datadir: string,
    readonly params: NetworkParams,
    private readonly sync: boolean,
    /** opened right after `--repair`: missing identity records are written again instead of refused */
    private readonly repaired: boolean,
  ) {}

  /** Opens (if needed) and checks `db`: a fresh database is stamped with this network, any other must match it. */
  static async open(
    db: KvDb,
    opts: { path: string; datadir?: string; params: NetworkParams; sync?: boolean; repaired?: boolean },
  ): Promise<Store> {
    const store = new Store(db, opts.path, opts.datadir ?? opts.path, opts.params, opts.sync ?? false, opts.repaired ?? false);
    if (db.status !== "open") {
      try {
        await db.open();
      } catch (e) {
        throw store.openError(e);
      }
    }
    try {
      await store.checkIdentity();
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
    return store;
  }

  get isMemory(): boolean {
    return this.path === MEMORY_PATH;
  }

  async close(): Promise<void> {
    if (this.db.status === "open" || this.db.status === "opening") await this.db.close();
  }

  private openError(e: unknown): StoreError {
    const cause = rootCause(e);
    const code = errorCode(cause);
    if (code === "LEVEL_LOCKED") {
      return new StoreError(`datadir ${this.datadir} is in use by another utxolab node; stop it first or use another --datadir`, {
        cause: e,
      });
    }
    if (code === "LEVEL_CORRUPTION" || isDamage(cause)) return this.damaged(messageOf(cause), e);
    if (code === "ENOTDIR" || code === "EEXIST" || code === "EACCES" || code === "EPERM" || code === "EROFS") {
      return new StoreError(`cannot create the database at ${this.path} (${messageOf(cause)}); pass a writable directory with --datadir`, {
        cause: e,
      });
    }
    return new StoreError(
      `cannot open the database at ${this.path} (${messageOf(cause)}); check the disk and permissions, or move ${this.path} away to start a fresh chain`,
      { cause: e },
    );
  }

  private damaged(what: string, cause?: unknown): StoreError {
    return new StoreError(
      `${this.path}: data is damaged (${what}); start the node once with --repair to salvage what is readable (it keeps a copy first), or move ${this.path} away to start a fresh chain`,
      { cause },
    );
  }

  /** Every database call goes through here, so no raw level error reaches the node. */
  private async io<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof StoreError) throw e;
      const cause = rootCause(e);
      const code = errorCode(cause);
      // A read that fails on LevelDB's own files is damage, not a full disk: reads need no space.
      if (code === "LEVEL_CORRUPTION" || (what.startsWith("read") && isDamage(cause)))
        throw this.damaged(`${what}: ${messageOf(cause)}`, e);
      if (code === "LEVEL_DATABASE_NOT_OPEN" && this.db.status !== "open") {
        throw new StoreError(`cannot ${what}: the store at ${this.path} is closed`, { cause: e });
      }
      throw new StoreError(`cannot ${what} in ${this.path} (${messageOf(cause)}); check the disk (free space, permissions)`, { cause: e });
    }
  }

  private get(key: Uint8Array, what: string): Promise<Uint8Array | undefined> {
    return this.io(`read ${what}`, () => this.db.get(key));
  }

  /**
   * A failed write is fatal: LevelDB may have left a partial record in its log, and on reopening
   * it drops that record and everything written after it. So after the first failure the store
   * refuses every later write (nothing more can be acknowledged and then lost) and tells its
   * listeners, and the node stops.
   */
  private async write(ops: KvOp[], what: string): Promise<void> {
    if (this.fatal) {
      throw new StoreError(
        `cannot write ${what}: the store at ${this.path} refuses writes after an earlier write failed (${this.fatal.message})`,
        {
          cause: this.fatal,
        },
      );
    }
    try {
      await this.io(`write ${what}`, () => this.db.batch(ops, { sync: this.sync }));
    } catch (e) {
      // a write refused because the store was closed left nothing behind
      if (this.db.status !== "open") throw e;
      this.fatal = e instanceof StoreError ? e : new StoreError(messageOf(e), { cause: e });
      for (const l of this.fatalListeners) l(this.fatal);
      throw e;
    }
  }

  /** The error of the first failed write, if one failed: the store then refuses every write. */
  get failure(): StoreError | undefined {
    return this.fatal;
  }

  /** Called once, with the error, when a write fails. */
  onFatal(listener: (e: StoreError) => void): void {
    this.fatalListeners.push(listener);
  }

  /** Streams every record under `prefix` in key order, a batch at a time. */
  private async scan(prefix: number, what: string, each: (key: Uint8Array, value: Uint8Array) => void): Promise<void> {
    await this.io(`read ${what}`, async () => {
      const it = this.db.iterator({ ...prefixRange(prefix), highWaterMarkBytes: READ_AHEAD_BYTES });
      try {
        for (;;) {
          const batch = await it.nextv(BATCH_READ);
          if (batch.length === 0) break;
          for (const [k, v] of batch) each(k, v);
        }
      } finally {
        await it.close();
      }
    });
  }

  private async checkIdentity(): Promise<void> {
    const genesis = genesisHash(this.params);
    let schema = await this.get(metaKey(META.schema), "the schema version");
    let stored = await this.get(metaKey(META.genesis), "the network's genesis hash");
    if (this.repaired && (schema === undefined || stored === undefined)) {
      // LevelDB's repair can lose the table that held these records. The user asked to salvage this
      // datadir for this network; the reindex that follows only indexes blocks that descend from its genesis.
      const ops: KvOp[] = [];
      if (schema === undefined) ops.push({ type: "put", key: metaKey(META.schema), value: (schema = u32le(SCHEMA_VERSION)) });
      if (stored === undefined) {
        ops.push({ type: "put", key: metaKey(META.genesis), value: (stored = hashBytes(genesis)) });
        ops.push({ type: "put", key: metaKey(META.network), value: utf8(this.params.name) });
      }
      await this.write(ops, "the store's identity after a repair");
    }
    if (schema === undefined) {
      if (stored === undefined && (await this.isEmpty())) {
        await this.write(
          [
            { type: "put", key: metaKey(META.schema), value: u32le(SCHEMA_VERSION) },
            { type: "put", key: metaKey(META.genesis), value: hashBytes(genesis) },
            { type: "put", key: metaKey(META.network), value: utf8(this.params.name) },
          ],
          "the store's identity",
        );
        return;
      }
      throw new StoreError(
        `${this.path} holds data that is not a utxolab chain (no schema version); use another --datadir or move it away`,
      );
    }
    if (schema.length !== 4) throw this.damaged(`schema version record has ${schema.length} bytes, expected 4`);
    const version = new DataView(schema.buffer, schema.byteOffset, 4).getUint32(0, true);
    if (version !== SCHEMA_VERSION) {
      throw new StoreError(
        `${this.path} was written with storage schema ${version} and this program reads schema ${SCHEMA_VERSION}; use another --datadir or move it away to start a fresh chain`,
      );
    }
    if (stored === undefined || stored.length !== 32) throw this.damaged("the network's genesis hash is missing or malformed");
    const theirs = toHash(stored);
    if (theirs !== genesis) {
      const name = await this.get(metaKey(META.network), "the network name");
      const label = name ? `${new TextDecoder().decode(name)}, genesis ${theirs}` : `genesis ${theirs}`;
      throw new StoreError(
        `${this.datadir} holds a chain of another network (${label}; this node runs ${this.params.name}, genesis ${genesis}); use another --datadir or remove it`,
      );
    }
  }

  private isEmpty(): Promise<boolean> {
    return this.io("read the database", async () => {
      const it = this.db.iterator({ gte: Uint8Array.of(0), lt: Uint8Array.of(0xff, 0xff) });
      try {
        return (await it.nextv(1)).length === 0;
      } finally {
        await it.close();
      }
    });
  }

  async load(): Promise<LoadedChain | undefined> {
    const tipBytes = await this.get(metaKey(META.tip), "the chain tip");
    if (tipBytes === undefined) return undefined;
    if (tipBytes.length !== 32) throw this.damaged(`tip record has ${tipBytes.length} bytes, expected 32`);
    const tip = toHash(tipBytes);

    const entries = new Map<Hash, BlockIndexEntry>();
    await this.scan(PREFIX.index, "the block index", (k, v) => {
      const hash = hashOfKey(k);
      if (!hash) throw this.damaged(`block index key of ${k.length} bytes`);
      let e: BlockIndexEntry;
      try {
        e = decodeIndexEntry(v);
      } catch (err) {
        throw this.damaged(`index entry of block ${hash} does not decode: ${messageOf(err)}`, err);
      }
      if (e.hash !== hash) throw this.damaged(`index entry stored under ${hash} describes block ${e.hash}`);
      entries.set(hash, e);
    });
    this.checkIndex(entries, tip);

    const coins: UtxoEntry[] = [];
    const reader = new CoinReader();
    await this.scan(PREFIX.coin, "the UTXO set", (k, v) => {
      try {
        coins.push(reader.read(k, v));
      } catch (err) {
        throw this.damaged(messageOf(err), err);
      }
    });
    return { entries: [...entries.values()], tip, coins };
  }

  /** What ChainState relies on when it rebuilds the tree: a genesis root, every parent present, a valid path to the tip. */
  private checkIndex(entries: Map<Hash, BlockIndexEntry>, tip: Hash): void {
    const genesis = genesisHash(this.params);
    if (!entries.has(genesis)) throw this.damaged(`the genesis block ${genesis} is missing from the block index`);
    for (const e of entries.values()) {
      if (e.hash === genesis) {
        if (e.height !== 0) throw this.damaged(`the genesis block is stored at height ${e.height}`);
        continue;
      }
      const parent = entries.get(e.header.prevHash);
      if (!parent) throw this.damaged(`block ${e.hash} at height ${e.height} has no stored parent`);
      if (parent.height + 1 !== e.height)
        throw this.damaged(`block ${e.hash} is stored at height ${e.height}, its parent at ${parent.height}`);
    }
    if (!entries.has(tip)) throw this.damaged(`the tip ${tip} is not in the block index`);
    for (let e = entries.get(tip); e; e = e.height === 0 ? undefined : entries.get(e.header.prevHash)) {
      if (e.status !== "valid" || !e.hasData) {
        throw this.damaged(`block ${e.hash} at height ${e.height} on the path to the tip is ${e.hasData ? e.status : "without data"}`);
      }
    }
  }

  async saveBlock(entry: BlockIndexEntry, block: Block): Promise<void> {
    await this.write(
      [
        { type: "put", key: blockKey(entry.hash), value: encodeBlock(block) },
        { type: "put", key: indexKey(entry.hash), value: encodeIndexEntry(entry) },
      ],
      `block ${entry.hash}`,
    );
  }

  async getBlock(hash: Hash): Promise<Block | undefined> {
    const raw = await this.get(blockKey(hash), `block ${hash}`);
    if (raw === undefined) return undefined;
    const d = decodeBlock(raw);
    if (!d.ok) throw this.damaged(`block ${hash} does not decode: ${d.detail}`);
    const actual = blockHash(d.block.header);
    if (actual !== hash) throw this.damaged(`block stored under ${hash} has hash ${actual}`);
    return d.block;
  }

  async getUndo(hash: Hash): Promise<Coin[] | undefined> {
    const raw = await this.get(undoKey(hash), `undo data of block ${hash}`);
    if (raw === undefined) return undefined;
    try {
      return decodeUndo(raw);
    } catch (err) {
      throw this.damaged(`undo data of block ${hash} does not decode: ${messageOf(err)}`, err);
    }
  }

  /** One batch, so a crash leaves either the whole update or none of it. */
  async commit(u: ChainUpdate): Promise<void> {
    const ops: KvOp[] = [];
    for (const r of u.removeCoins) ops.push({ type: "del", key: coinKey(r.txid, r.vout) });
    // After the removes: within a batch the last operation on a key wins, as in MemoryChainBackend.
    for (const a of u.addCoins) ops.push({ type: "put", key: coinKey(a.txid, a.vout), value: encodeCoin(a.coin) });
    if (u.kind === "connect") ops.push({ type: "put", key: undoKey(u.hash), value: encodeUndo(u.undo ?? []) });
    else ops.push({ type: "del", key: undoKey(u.hash) });
    for (const e of u.entries) ops.push({ type: "put", key: indexKey(e.hash), value: encodeIndexEntry(e) });
    ops.push({ type: "put", key: metaKey(META.tip), value: hashBytes(u.tip) });
    await this.write(ops, `the ${u.kind} of block ${u.hash}`);
  }

  async saveEntries(entries: BlockIndexEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.write(
      entries.map((e) => ({ type: "put", key: indexKey(e.hash), value: encodeIndexEntry(e) })),
      `${entries.length} block index entries`,
    );
  }

  /**
   * `--reindex`: rebuilds the block index and the UTXO set from the stored block bodies. Every
   * readable body whose ancestry reaches genesis gets a fresh index entry (status `stored`); the
   * UTXO set, the undo data and the tip go back to genesis, so opening the chain connects and
   * fully checks every block again. Bodies that do not decode, or whose ancestry is missing, are
   * left out of the index (reported, not deleted). One batch: a crash leaves the old store or the new.
   */
  async reindex(): Promise<{ blocks: number; height: number; skipped: string[] }> {
    const gBlock = genesisBlock(this.params);
    const gHash = genesisHash(this.params);
    const oldSeq = new Map<Hash, number>();
    const stale: Uint8Array[] = [];
    await this.scan(PREFIX.index, "the block index", (k, v) => {
      stale.push(k);
      try {
        const e = decodeIndexEntry(v);
        oldSeq.set(e.hash, e.seq);
      } catch {
        // a damaged entry is rebuilt from its body like any other
      }
    });
    await this.scan(PREFIX.coin, "the UTXO set", (k) => stale.push(k));
    await this.scan(PREFIX.undo, "the undo data", (k) => stale.push(k));
    type Found = { header: Block["header"]; size: number; txCount: number };
    const found = new Map<Hash, Found>();
    const byParent = new Map<Hash, Hash[]>();
    const skipped: string[] = [];
    await this.scan(PREFIX.block, "the stored blocks", (k, v) => {
      const hash = hashOfKey(k);
      const d = decodeBlock(v);
      if (!hash || !d.ok || blockHash(d.block.header) !== hash) {
        skipped.push(`the body stored under ${hash ?? "a malformed key"} does not decode to that block`);
        return;
      }
      found.set(hash, { header: d.block.header, size: blockSize(d.block), txCount: d.block.txs.length });
      const siblings = byParent.get(d.block.header.prevHash) ?? [];
      siblings.push(hash);
      byParent.set(d.block.header.prevHash, siblings);
    });
    // Heights from genesis down each branch; what cannot be reached has lost an ancestor.
    const entries: BlockIndexEntry[] = [];
    const reached = new Set<Hash>([gHash]);
    let maxSeq = -1;
    for (const q of oldSeq.values()) maxSeq = Math.max(maxSeq, q);
    const entryOf = (hash: Hash, f: Found, height: number): BlockIndexEntry => ({
      hash,
      header: f.header,
      height,
      chainWork: 0n,
      parent: undefined,
      status: height === 0 ? "valid" : "stored",
      seq: oldSeq.get(hash) ?? ++maxSeq,
      size: f.size,
      txCount: f.txCount,
      hasData: true,
    });
    const gFound = { header: gBlock.header, size: blockSize(gBlock), txCount: gBlock.txs.length };
    entries.push(entryOf(gHash, gFound, 0));
    let height = 0;
    for (let level = [gHash]; level.length > 0; ) {
      const next: Hash[] = [];
      for (const h of level) {
        for (const child of byParent.get(h) ?? []) {
          if (reached.has(child)) continue;
          reached.add(child);
          next.push(child);
          entries.push(entryOf(child, found.get(child) as Found, height + 1));
        }
      }
      if (next.length > 0) height++;
      level = next;
    }
    for (const h of found.keys()) if (!reached.has(h)) skipped.push(`block ${h} has no stored ancestry back to genesis`);
    const cb = gBlock.txs[0];
    const gTxid = txid(cb);
    const ops: KvOp[] = stale.map((key) => ({ type: "del", key }));
    ops.push({ type: "put", key: blockKey(gHash), value: encodeBlock(gBlock) });
    for (const e of entries) ops.push({ type: "put", key: indexKey(e.hash), value: encodeIndexEntry(e) });
    cb.outputs.forEach((o, vout) => {
      ops.push({
        type: "put",
        key: coinKey(gTxid, vout),
        value: encodeCoin({ value: o.value, pubkey: o.pubkey, height: 0, coinbase: true }),
      });
    });
    ops.push({ type: "put", key: undoKey(gHash), value: encodeUndo([]) });
    ops.push({ type: "put", key: metaKey(META.tip), value: hashBytes(gHash) });
    await this.write(ops, "the rebuilt index (reindex)");
    return { blocks: entries.length, height, skipped };
  }

  /** Forgets pruned side-branch blocks: their bodies and index entries (never undo data: they were never connected). */
  async pruneBlocks(hashes: Hash[]): Promise<void> {
    if (hashes.length === 0) return;
    const ops: KvOp[] = [];
    for (const h of hashes) ops.push({ type: "del", key: blockKey(h) }, { type: "del", key: indexKey(h) });
    await this.write(ops, `pruning ${hashes.length} side-branch blocks`);
  }

  /** Metadata of the program using the store, in its own key space (it cannot clobber the chain's records). */
  async getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.get(appKey(checkMetaKey(key)), `metadata "${key}"`);
  }

  async putMeta(key: string, value: Uint8Array): Promise<void> {
    await this.write([{ type: "put", key: appKey(checkMetaKey(key)), value }], `metadata "${key}"`);
  }

  /**
   * Adds record `seq` to the program's capped log and drops the one `cap` places older, so the
   * log never holds more than `cap` records. Sequence numbers are consecutive, from 1.
   */
  async appendLog(seq: number, value: Uint8Array, cap: number): Promise<void> {
    if (!Number.isInteger(seq) || seq < 1 || seq > 0xffffffff) throw new RangeError(`log seq ${seq} is not a u32 above 0`);
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`log cap ${cap} must be a whole number above 0`);
    const ops: KvOp[] = [{ type: "put", key: logKey(seq), value }];
    if (seq > cap) ops.push({ type: "del", key: logKey(seq - cap) });
    await this.write(ops, `log record ${seq}`);
  }

  /** The newest `limit` records of the log, oldest first; records beyond them (a bigger cap before) are deleted. */
  async readLog(limit: number): Promise<{ seq: number; value: Uint8Array }[]> {
    const all: { seq: number; value: Uint8Array }[] = [];
    await this.scan(PREFIX.log, "the log", (k, v) => {
      if (k.length === 5) all.push({ seq: new DataView(k.buffer, k.byteOffset, 5).getUint32(1, false), value: v });
    });
    const extra = all.slice(0, Math.max(0, all.length - limit));
    if (extra.length)
      await this.write(
        extra.map((r) => ({ type: "del", key: logKey(r.seq) })),
        `${extra.length} old log records`,
      );
    return all.slice(extra.length);
  }
}

function checkMetaKey(key: string): string {
  if (typeof key !== "string" || key.length === 0) throw new TypeError("metadata key must be a non-empty string");
  return key;
}

function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}

/** Creates the datadir if missing; a file or an unwritable place in the way is explained. */
export function ensureDatadir(datadir: string): string {
  const dir = resolve(datadir);
  try {
    if (statSync(dir, { throwIfNoEntry: false })?.isFile())
      throw Object.assign(new Error("it is a file, not a directory"), { code: "EEXIST" });
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new StoreError(`cannot create datadir ${dir} (${messageOf(e)}); pass a writable directory with --datadir`, { cause: e });
  }
  return dir;
}

/** Opens the node's chain storage: LevelDB under `<dir>/chain`, or memory. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const encodings = { keyEncoding: "view", valueEncoding: "view" } as const;
  if (opts.memory) {
    const db = new MemoryLevel<Uint8Array, Uint8Array>(encodings);
    return Store.open(opts.wrap ? opts.wrap(db) : db, { path: MEMORY_PATH, params: opts.params, sync: opts.sync });
  }
  if (!opts.dir) throw new StoreError("no datadir given: pass --datadir DIR, or --memory to keep the chain in memory");
  const dir = ensureDatadir(opts.dir);
  const path = join(dir, "chain");
  if (opts.repair) opts.onRepair?.(await repairLevelDir(path));
  // LevelDB would create a fresh database over files it cannot make sense of and delete them: refuse first.
  const existing = checkLevelDir(path);
  for (let attempt = 0; ; attempt++) {
    const db = new Level<Uint8Array, Uint8Array>(path, { ...encodings, createIfMissing: !existing });
    try {
      return await Store.open(opts.wrap ? opts.wrap(db) : db, {
        path,
        datadir: dir,
        params: opts.params,
        sync: opts.sync,
        repaired: opts.repair,
      });
    } catch (e) {
      // after --repair, a table that still fails to read is set aside too, and the repair runs again
      const bad = opts.repair && attempt < 5 ? damagedFile(path, e) : undefined;
      if (!bad) throw e;
      setAside(path, bad);
      opts.onRepair?.(`set aside ${bad}, which still could not be read after the repair, and repaired ${path} again`);
      await repairAgain(path);
    }
  }
}
