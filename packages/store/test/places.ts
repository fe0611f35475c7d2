import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NetworkParams } from "@utxolab/core";
import { Level } from "level";
import { MemoryLevel } from "memory-level";
import { type KvDb, type KvOp, openStore, Store } from "../src/index.js";
import { params as devnet } from "./chain-helpers.js";

const enc = { keyEncoding: "view", valueEncoding: "view" } as const;

/** Somewhere a store lives across reopenings: a temp datadir, or one memory-level instance. */
export interface Place {
  /** opens the store; `wrap` sees the raw database first (fault injection) */
  open(opts?: { wrap?: (db: KvDb) => KvDb; params?: NetworkParams }): Promise<Store>;
  /** the raw database, for tampering; close it before opening the store again */
  raw(): KvDb;
  cleanup(): Promise<void>;
}

export interface Kind {
  name: "level" | "memory";
  place(): Promise<Place>;
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "utxolab-store-"));
}

export const levelKind: Kind = {
  name: "level",
  async place() {
    const dir = await tempDir();
    const path = join(dir, "chain");
    return {
      open: ({ wrap, params = devnet } = {}) =>
        wrap ? Store.open(wrap(new Level<Uint8Array, Uint8Array>(path, enc)), { path, datadir: dir, params }) : openStore({ dir, params }),
      raw: () => new Level<Uint8Array, Uint8Array>(path, enc),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

export const memoryKind: Kind = {
  name: "memory",
  async place() {
    const db = new MemoryLevel<Uint8Array, Uint8Array>(enc);
    return {
      open: ({ wrap, params = devnet } = {}) => Store.open(wrap ? wrap(db) : db, { path: "(memory)", params }),
      raw: () => db,
      cleanup: async () => {
        if (db.status === "open") await db.close();
      },
    };
  },
};

export const kinds: Kind[] = [levelKind, memoryKind];

/**
 * A database whose n-th write fails, as if the process died there: `before` the write lands
 * (nothing of it is stored), or `after` it (stored, but the caller never learns).
 */
export class CrashingDb implements KvDb {
  writes = 0;

  constructor(
    private readonly inner: KvDb,
    private readonly failAt: number,
    private readonly mode: "before" | "after",
  ) {}

  get status(): string {
    return this.inner.status;
  }

  open() {
    return this.inner.open();
  }

  close() {
    return this.inner.close();
  }

  get(key: Uint8Array) {
    return this.inner.get(key);
  }

  iterator(range: { gte: Uint8Array; lt: Uint8Array }) {
    return this.inner.iterator(range);
  }

  async batch(ops: KvOp[], options?: { sync?: boolean }): Promise<void> {
    this.writes++;
    if (this.writes === this.failAt && this.mode === "before") throw new Error(`simulated crash before write ${this.writes}`);
    await this.inner.batch(ops, options);
    if (this.writes === this.failAt) throw new Error(`simulated crash after write ${this.writes}`);
  }
}
