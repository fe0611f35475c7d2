import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { Level } from "level";
import { errorCode, messageOf, rootCause, StoreError } from "./errors.js";

/** LevelDB's own data files: tables, write-ahead logs, manifests (LOCK and the text LOG are not data). */
const DATA_FILE = /^(\d+\.(ldb|sst|log)|MANIFEST-\d+)$/;

/**
 * Whether `path` holds a LevelDB database to open as it is (true), or nothing yet (false).
 * Data files without a CURRENT file are refused: LevelDB with `createIfMissing` would start a
 * fresh, empty database there and delete the old tables.
 */
export function checkLevelDir(path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return false;
  if (!st.isDirectory()) {
    throw new StoreError(`${path} is a file, not the chain's database directory; move it away or pass another --datadir`);
  }
  const files = readdirSync(path);
  if (files.includes("CURRENT")) return true;
  const data = files.filter((f) => DATA_FILE.test(f));
  if (data.length === 0) return false;
  throw new StoreError(
    `${path} holds LevelDB data (${data.slice(0, 3).join(", ")}${data.length > 3 ? ", ..." : ""}) but no CURRENT file, so it cannot be opened as the chain it holds; nothing was changed. Start the node once with --repair to rebuild the database from those files (a copy is kept first), or move ${path} away to start a fresh chain`,
  );
}

/** A read error on LevelDB's own files: damaged data (reads need no free space), not a full disk. */
export function isDamage(e: unknown): boolean {
  const code = errorCode(e);
  if (code !== "LEVEL_IO_ERROR" && code !== "LEVEL_CORRUPTION") return false;
  const m = messageOf(e);
  if (/No space left|ENOSPC|Permission denied|Read-only file system|Too many open files/i.test(m)) return false;
  return /Corruption|\.(ldb|sst|log)\b|MANIFEST|CURRENT|truncated|checksum|bad magic/i.test(m);
}

/**
 * `--repair`: copies `path` aside (nothing is lost if the repair makes things worse), then runs
 * LevelDB's RepairDB, which writes a new manifest from every table and log it can read. What it
 * cannot read (a table cut short, a corrupt block in one) is moved to `<path>/lost` or dropped, so
 * the records there are gone: the caller rebuilds the index from what is left (`reindex`).
 */
export async function repairLevelDir(path: string): Promise<string> {
  if (!existsSync(path)) return `nothing to repair: ${path} does not exist`;
  const copy = `${path}.before-repair-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  try {
    cpSync(path, copy, { recursive: true, filter: (src) => !src.endsWith("/LOCK") });
  } catch (e) {
    throw new StoreError(`cannot keep a copy of ${path} at ${copy} before repairing it (${messageOf(e)}); free some space and try again`, {
      cause: e,
    });
  }
  const lostDir = join(path, "lost");
  // Files we find unreadable ourselves; RepairDB also moves into lost/ logs it has already turned
  // into tables and old manifests, which were read, so only these are called unreadable.
  const unreadable: string[] = [];
  // RepairDB sets aside what it cannot read; a table whose damage it missed is found by reading
  // every record, set aside by hand, and the repair runs again.
  for (let attempt = 0; ; attempt++) {
    try {
      // In Node, `level`'s Level is classic-level's ClassicLevel, whose static repair() wraps RepairDB; level's types omit it.
      await (Level as unknown as { repair(location: string): Promise<void> }).repair(path);
    } catch (e) {
      throw new StoreError(
        `LevelDB could not repair ${path} (${messageOf(e)}); the copy at ${copy} is untouched; move ${path} away to start a fresh chain`,
        {
          cause: e,
        },
      );
    }
    const bad = await unreadableFile(path);
    if (!bad) break;
    if (attempt >= 10)
      throw new StoreError(
        `${path} still cannot be read after repairing it (${bad}); the copy at ${copy} is untouched; move ${path} away to start a fresh chain`,
      );
    setAside(path, bad);
    unreadable.push(bad);
  }
  const archived = (existsSync(lostDir) ? readdirSync(lostDir) : []).filter((f) => !unreadable.includes(f));
  const parts = [`repaired ${path} (a copy of it before the repair is at ${copy})`];
  if (unreadable.length > 0) parts.push(`unreadable files set aside in ${lostDir}: ${unreadable.join(", ")}`);
  if (archived.length > 0)
    parts.push(
      `files LevelDB's repair archived in ${lostDir} (logs turned into tables, old manifests, damaged tables): ${archived.join(", ")}`,
    );
  return parts.join("; ");
}

/** Moves one of LevelDB's files into `<path>/lost`, where RepairDB puts what it cannot read. */
export function setAside(path: string, file: string): void {
  const lostDir = join(path, "lost");
  mkdirSync(lostDir, { recursive: true });
  renameSync(join(path, file), join(lostDir, file));
}

/** The LevelDB file in `path` that an error names, if it names one that is there. */
export function damagedFile(path: string, e: unknown): string | undefined {
  for (let c: unknown = e, i = 0; c && i < 6; c = (c as { cause?: unknown }).cause, i++) {
    const m = messageOf(c).match(/(\d+\.(ldb|sst|log))\b/);
    if (m && existsSync(join(path, m[1]))) return m[1];
  }
  return undefined;
}

/** Runs RepairDB again (after a file was set aside). */
export async function repairAgain(path: string): Promise<void> {
  await (Level as unknown as { repair(location: string): Promise<void> }).repair(path);
}

/** Reads every record; the name of the LevelDB file a read failed on, if one did. */
async function unreadableFile(path: string): Promise<string | undefined> {
  const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: "view", valueEncoding: "view", createIfMissing: false });
  try {
    await db.open();
    const it = db.iterator();
    try {
      while ((await it.nextv(1024)).length > 0);
    } finally {
      await it.close();
    }
    return undefined;
  } catch (e) {
    const bad = damagedFile(path, e);
    if (bad) return bad;
    throw new StoreError(
      `${path} cannot be read after repairing it (${messageOf(rootCause(e))}); move ${path} away to start a fresh chain`,
      { cause: e },
    );
  } finally {
    await db.close().catch(() => undefined);
  }
}
