import { createHash } from "node:crypto";
import { open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { DecodeError, encodeTx, Reader, readTx, type Transaction, Writer } from "@utxolab/core";
import type { MempoolEntry } from "@utxolab/mempool";

/**
 * The pool on disk, like Bitcoin Core's mempool.dat: saved on a clean stop and every few seconds
 * while it changes, read back at start, where each transaction is checked again as if it had
 * just arrived.
 *
 * Layout: magic "UTXOLAB-MEMPOOL\n" (16) | u32 version | u32 count | count x (u32 time |
 * transaction) | SHA-256 of everything before (32). The checksum catches a file cut short or
 * altered; a damaged file is set aside whole, never half-loaded.
 */
const MAGIC = new TextEncoder().encode("UTXOLAB-MEMPOOL\n");
const VERSION = 1;

export interface SavedTx {
  tx: Transaction;
  /** unix seconds it entered the pool */
  time: number;
}

export function encodeMempoolFile(entries: readonly Pick<MempoolEntry, "tx" | "time">[]): Uint8Array {
  const w = new Writer(1024);
  w.bytes(MAGIC).u32(VERSION).u32(entries.length);
  for (const e of entries) w.u32(Math.max(0, Math.floor(e.time))).bytes(encodeTx(e.tx));
  const body = w.finish();
  const out = new Uint8Array(body.length + 32);
  out.set(body);
  out.set(createHash("sha256").update(body).digest(), body.length);
  return out;
}

/** The saved transactions, or throws an Error saying what is wrong with the file. */
export function decodeMempoolFile(data: Uint8Array): SavedTx[] {
  if (data.length < MAGIC.length + 8 + 32) throw new Error(`${data.length} bytes is too short for a pool file`);
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC[i]) throw new Error("it does not start with the pool file's magic");
  const body = data.subarray(0, data.length - 32);
  const sum = createHash("sha256").update(body).digest();
  if (!sum.equals(data.subarray(data.length - 32))) throw new Error("the checksum does not match (the file is cut short or altered)");
  const r = new Reader(body.subarray(MAGIC.length));
  const version = r.u32();
  if (version !== VERSION) throw new Error(`version ${version}; this program reads version ${VERSION}`);
  const count = r.u32();
  const out: SavedTx[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const time = r.u32();
      out.push({ time, tx: readTx(r) });
    }
    r.end("pool file");
  } catch (e) {
    throw new Error(`transaction ${out.length} does not decode: ${e instanceof DecodeError ? e.message : String(e)}`);
  }
  return out;
}

/** Writes `data` to `path` so that a crash leaves the old file or the new one, never a part: temp file, fsync, rename, fsync the directory. */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.new`;
  await rm(tmp, { force: true });
  // "wx": a file (or link) planted at the temp path is not followed
  const f = await open(tmp, "wx", 0o600);
  try {
    await f.writeFile(data);
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, path);
  const d = await open(dirname(path), "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export type LoadOutcome = { kind: "missing" } | { kind: "loaded"; txs: SavedTx[] } | { kind: "damaged"; why: string; movedTo: string };

/** Reads the pool file; a damaged one is moved aside (to `<path>.damaged-<time>`) so the node starts with an empty pool. */
export async function loadMempoolFile(path: string, maxBytes: number): Promise<LoadOutcome> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return { kind: "missing" };
  let why: string;
  if (!st.isFile()) why = "it is not a regular file";
  else if (st.size > maxBytes) why = `${st.size} bytes is more than the ${maxBytes} a full pool can take`;
  else {
    try {
      return { kind: "loaded", txs: decodeMempoolFile(await readFile(path)) };
    } catch (e) {
      why = (e as Error).message;
    }
  }
  const movedTo = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  await rename(path, movedTo);
  return { kind: "damaged", why, movedTo };
}

/** What the node needs from its pool to keep it on disk. */
export interface PoolSource {
  entries(): readonly Pick<MempoolEntry, "tx" | "time">[];
}

/** Saves the pool to one file: when asked, and on a timer while it has changed. One save at a time. */
export class MempoolSaver {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly pool: PoolSource,
    private readonly log: (line: string) => void,
  ) {}

  /** the pool changed since the last save */
  touch(): void {
    this.dirty = true;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.dirty) void this.save();
    }, intervalMs);
    this.timer.unref();
  }

  /** Writes the pool as it is now; a failure is logged (the chain does not depend on this file). */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      this.dirty = false;
      const entries = this.pool.entries();
      try {
        await writeFileAtomic(this.path, encodeMempoolFile(entries));
      } catch (e) {
        this.dirty = true;
        this.log(`cannot save the pool to ${this.path} (${(e as Error).message}); it is saved again on the next change`);
      }
    });
    return this.saving;
  }

  /** Stops the timer and writes a last time. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.save();
  }
}
