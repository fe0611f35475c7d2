import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type Block,
  type BlockIndexEntry,
  blockHash,
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
  genesisHash,
  type Hash,
  hashBytes,
  type LoadedChain,
  type NetworkParams,
  toHash,
  type UtxoEntry,
  utf8,
} from "@utxolab/core";
import { Level } from "level";
import { MemoryLevel } from "memory-level";
import { CoinReader } from "./coins.js";
import { errorCode, messageOf, rootCause, StoreError } from "./errors.js";
import { appKey, blockKey, coinKey, hashOfKey, indexKey, META, metaKey, PREFIX, prefixRange, SCHEMA_VERSION, undoKey } from "./layout.js";

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
}

const BATCH_READ = 1024;
/** room for a whole batch of UTXO records (~82 bytes each) instead of classic-level's default 16 KiB */
const READ_AHEAD_BYTES = 128 * 1024;
const MEMORY_PATH = "(memory)";

/** Chain storage on an abstract-level database: one code path for LevelDB and memory. */
export class Store implements ChainBackend {
  private constructor(
    private readonly db: KvDb,
    /** where the database lives (`(memory)` for a memory store) */
    readonly path: string,
    /** the directory named in messages about the whole node (lock, network) */
    readonly datadir: string,
    readonly params: NetworkParams,
    private readonly sync: boolean,
  ) {}

  /** Opens (if needed) and checks `db`: a fresh database is stamped with this network, any other must match it. */
  static async open(db: KvDb, opts: { path: string; datadir?: string; params: NetworkParams; sync?: boolean }): Promise<Store> {
    const store = new Store(db, opts.path, opts.datadir ?? opts.path, opts.params, opts.sync ?? false);
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
    if (code === "LEVEL_CORRUPTION") return this.damaged(messageOf(cause), e);
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
    return new StoreError(`${this.path}: data is damaged (${what}); move ${this.path} away to start a fresh chain`, { cause });
  }

  /** Every database call goes through here, so no raw level error reaches the node. */
  private async io<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof StoreError) throw e;
      const cause = rootCause(e);
      const code = errorCode(cause);
      if (code === "LEVEL_CORRUPTION") throw this.damaged(`${what}: ${messageOf(cause)}`, e);
      if (code === "LEVEL_DATABASE_NOT_OPEN" && this.db.status !== "open") {
        throw new StoreError(`cannot ${what}: the store at ${this.path} is closed`, { cause: e });
      }
      throw new StoreError(`cannot ${what} in ${this.path} (${messageOf(cause)}); check the disk (free space, permissions)`, { cause: e });
    }
  }

  private get(key: Uint8Array, what: string): Promise<Uint8Array | undefined> {
    return this.io(`read ${what}`, () => this.db.get(key));
  }

  private write(ops: KvOp[], what: string): Promise<void> {
    return this.io(`write ${what}`, () => this.db.batch(ops, { sync: this.sync }));
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
    const schema = await this.get(metaKey(META.schema), "the schema version");
    const stored = await this.get(metaKey(META.genesis), "the network's genesis hash");
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

/** Opens the node's chain storage: LevelDB under `<dir>/chain`, or memory. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const encodings = { keyEncoding: "view", valueEncoding: "view" } as const;
  if (opts.memory) {
    const db = new MemoryLevel<Uint8Array, Uint8Array>(encodings);
    return Store.open(db, { path: MEMORY_PATH, params: opts.params, sync: opts.sync });
  }
  if (!opts.dir) throw new StoreError("no datadir given: pass --datadir DIR, or --memory to keep the chain in memory");
  const dir = resolve(opts.dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new StoreError(`cannot create datadir ${dir} (${messageOf(e)}); pass a writable directory with --datadir`, { cause: e });
  }
  const path = join(dir, "chain");
  const db = new Level<Uint8Array, Uint8Array>(path, encodings);
  return Store.open(db, { path, datadir: dir, params: opts.params, sync: opts.sync });
}
