import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Amount, type Hash, isHash, isHex, parseUnits } from "@utxolab/core";
import { WalletFileError } from "./errors.js";
import { checkSealParams, type SealParams } from "./seal.js";

export const WALLET_FORMAT = "utxolab-wallet";
export const WALLET_VERSION = 1;

/** A key the wallet can sign for: derived (chain 0 receive, 1 change) or imported (chain null). */
export interface KeyRecord {
  pubkey: string;
  chain: 0 | 1 | null;
  index: number;
  label?: string;
}

/** A confirmed unspent output paying one of the wallet's keys. */
export interface CoinRecord {
  txid: Hash;
  vout: number;
  value: Amount;
  pubkey: string;
  height: number;
  coinbase: boolean;
}

export interface OutputRecord {
  value: Amount;
  pubkey: string;
  mine: boolean;
}

/** A confirmed transaction that paid or spent the wallet; also the undo data for a reorg. */
export interface TxRecord {
  txid: Hash;
  height: number;
  blockHash: Hash;
  time: number;
  coinbase: boolean;
  inputCount: number;
  /** the wallet's coins it spent, in input order among ours */
  spent: CoinRecord[];
  outputs: OutputRecord[];
}

/** A transaction this wallet broadcast that is not in a scanned block yet. */
export interface SentRecord {
  txid: Hash;
  hex: string;
  time: number;
}

export interface SyncState {
  /** height of the last scanned block; -1 before genesis */
  height: number;
  /** hashes of the last scanned blocks, oldest first, ending at `height` */
  recent: Hash[];
}

export interface SecretPayload {
  mnemonic: string;
  imported: string[];
}

export interface WalletData {
  format: typeof WALLET_FORMAT;
  version: typeof WALLET_VERSION;
  network: string;
  genesisHash: Hash;
  created: string;
  seal: SealParams | null;
  /** hex ciphertext when sealed, the payload itself when the wallet opted out (--insecure-devnet) */
  secret: string | SecretPayload;
  xpub: string;
  /** next unused index of the receive and change chains */
  next: [number, number];
  keys: KeyRecord[];
  birthHeight: number;
  sync: SyncState;
  coins: CoinRecord[];
  txs: TxRecord[];
  sent: SentRecord[];
}

export { WalletFileError } from "./errors.js";

export class WalletMissingError extends Error {
  constructor(
    readonly file: string,
    name: string,
  ) {
    super(
      `no wallet "${name}" at ${file}: create one with \`utxolab wallet create --wallet ${name}\` or \`utxolab wallet import-devnet --wallet ${name}\``,
    );
    this.name = "WalletMissingError";
  }
}

// ---- JSON form: amounts as decimal unit strings (SPEC §2) ----

const coinToJson = (c: CoinRecord) => ({ ...c, value: c.value.toString() });
const txToJson = (t: TxRecord) => ({
  ...t,
  spent: t.spent.map(coinToJson),
  outputs: t.outputs.map((o) => ({ ...o, value: o.value.toString() })),
});

export function serializeWallet(w: WalletData): string {
  return `${JSON.stringify({ ...w, coins: w.coins.map(coinToJson), txs: w.txs.map(txToJson) }, null, 1)}\n`;
}

/** Validates every field; the first problem becomes a WalletFileError naming the file. */
export function parseWallet(text: string, file: string): WalletData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new WalletFileError(file, `it is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const fail = (why: string): never => {
    throw new WalletFileError(file, why);
  };
  const obj = (v: unknown, what: string): Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${what} is not an object`);
  const arr = (v: unknown, what: string): unknown[] => (Array.isArray(v) ? v : fail(`${what} is not a list`));
  const int = (v: unknown, what: string, min = 0): number =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= min ? v : fail(`${what} is not a whole number >= ${min}`);
  const hash = (v: unknown, what: string): Hash => (isHash(v) ? v : fail(`${what} is not a 64-digit hex hash`));
  const key = (v: unknown, what: string): string => (isHex(v, 32) ? v : fail(`${what} is not a 32-byte hex key`));
  const units = (v: unknown, what: string): Amount => {
    const p = parseUnits(v, what);
    return p.ok ? p.value : fail(p.detail);
  };
  const str = (v: unknown, what: string): string => (typeof v === "string" ? v : fail(`${what} is not a string`));
  const bool = (v: unknown, what: string): boolean => (typeof v === "boolean" ? v : fail(`${what} is not true/false`));
  const coin = (v: unknown, what: string): CoinRecord => {
    const c = obj(v, what);
    return {
      txid: hash(c.txid, `${what}.txid`),
      vout: int(c.vout, `${what}.vout`),
      value: units(c.value, `${what}.value`),
      pubkey: key(c.pubkey, `${what}.pubkey`),
      height: int(c.height, `${what}.height`),
      coinbase: bool(c.coinbase, `${what}.coinbase`),
    };
  };

  const o = obj(raw, "the file");
  if (o.format !== WALLET_FORMAT) fail(`"format" is ${JSON.stringify(o.format)}, not "${WALLET_FORMAT}" (is this a wallet file?)`);
  if (o.version !== WALLET_VERSION) fail(`"version" ${JSON.stringify(o.version)} is not one this program reads (${WALLET_VERSION})`);
  const seal = o.seal === null ? null : checkSealParams(o.seal, file);
  let secret: string | SecretPayload;
  if (seal) {
    secret = isHex(o.secret) ? o.secret : fail("the encrypted secret is not hex");
  } else {
    const s = obj(o.secret, "secret");
    secret = {
      mnemonic: str(s.mnemonic, "secret.mnemonic"),
      imported: arr(s.imported, "secret.imported").map((k, i) => key(k, `secret.imported[${i}]`)),
    };
  }
  const next = arr(o.next, "next");
  if (next.length !== 2) fail("next does not hold two indexes");
  const sync = obj(o.sync, "sync");
  const data: WalletData = {
    format: WALLET_FORMAT,
    version: WALLET_VERSION,
    network: str(o.network, "network"),
    genesisHash: hash(o.genesisHash, "genesisHash"),
    created: str(o.created, "created"),
    seal,
    secret,
    xpub: str(o.xpub, "xpub"),
    next: [int(next[0], "next[0]"), int(next[1], "next[1]")],
    keys: arr(o.keys, "keys").map((v, i) => {
      const k = obj(v, `keys[${i}]`);
      const chain = k.chain === null ? null : k.chain === 0 || k.chain === 1 ? k.chain : fail(`keys[${i}].chain is not 0, 1 or null`);
      const rec: KeyRecord = { pubkey: key(k.pubkey, `keys[${i}].pubkey`), chain, index: int(k.index, `keys[${i}].index`) };
      if (k.label !== undefined) rec.label = str(k.label, `keys[${i}].label`);
      return rec;
    }),
    birthHeight: int(o.birthHeight, "birthHeight"),
    sync: {
      height: int(sync.height, "sync.height", -1),
      recent: arr(sync.recent, "sync.recent").map((h, i) => hash(h, `sync.recent[${i}]`)),
    },
    coins: arr(o.coins, "coins").map((c, i) => coin(c, `coins[${i}]`)),
    txs: arr(o.txs, "txs").map((v, i) => {
      const t = obj(v, `txs[${i}]`);
      return {
        txid: hash(t.txid, `txs[${i}].txid`),
        height: int(t.height, `txs[${i}].height`),
        blockHash: hash(t.blockHash, `txs[${i}].blockHash`),
        time: int(t.time, `txs[${i}].time`),
        coinbase: bool(t.coinbase, `txs[${i}].coinbase`),
        inputCount: int(t.inputCount, `txs[${i}].inputCount`),
        spent: arr(t.spent, `txs[${i}].spent`).map((c, j) => coin(c, `txs[${i}].spent[${j}]`)),
        outputs: arr(t.outputs, `txs[${i}].outputs`).map((u, j) => {
          const out = obj(u, `txs[${i}].outputs[${j}]`);
          return {
            value: units(out.value, `txs[${i}].outputs[${j}].value`),
            pubkey: key(out.pubkey, `txs[${i}].outputs[${j}].pubkey`),
            mine: bool(out.mine, `txs[${i}].outputs[${j}].mine`),
          };
        }),
      };
    }),
    sent: arr(o.sent, "sent").map((v, i) => {
      const s = obj(v, `sent[${i}]`);
      return {
        txid: hash(s.txid, `sent[${i}].txid`),
        hex: isHex(s.hex) ? s.hex : fail(`sent[${i}].hex is not hex`),
        time: int(s.time, `sent[${i}].time`),
      };
    }),
  };
  if (data.sync.recent.length > data.sync.height + 1) fail("sync.recent holds more hashes than blocks scanned");
  return data;
}

export async function readWalletFile(file: string, name: string): Promise<WalletData> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new WalletMissingError(file, name);
    throw new Error(`cannot read wallet file ${file} (${code ?? String(e)}): check its permissions`);
  }
  return parseWallet(text, file);
}

/**
 * Write-then-rename, so the file is always either the old wallet or the new one,
 * never half of each: a crash or a refused send leaves it as it was.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const fh = await open(tmp, "wx", 0o600);
  try {
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export const writeWalletFile = (file: string, w: WalletData) => writeFileAtomic(file, serializeWallet(w));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One process at a time per wallet: two commands that both sync and save would
 * otherwise lose one another's updates. A lock left by a dead process is taken over.
 */
export async function lockWallet(file: string, waitMs = 10_000): Promise<() => Promise<void>> {
  const lock = `${file}.lock`;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + waitMs;
  for (;;) {
    // The lock appears with the pid already in it (written aside, then linked into place), so
    // a live holder's lock is never empty: an empty or unreadable one was left by a crash.
    const tmp = `${lock}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, String(process.pid), { mode: 0o600, flag: "wx" });
    try {
      await link(tmp, lock);
      return async () => {
        await rm(lock, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      await rm(tmp, { force: true });
    }
    const text = await readFile(lock, "utf8").catch(() => undefined);
    if (text === undefined) continue; // released meanwhile
    const holder = /^\s*\d+\s*$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
    const stale = Number.isSafeInteger(holder) && holder > 0 ? !alive(holder) : await olderThan(lock, STALE_UNREADABLE_LOCK_MS);
    if (stale) {
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `wallet ${file} is in use by process ${Number.isNaN(holder) ? "(unknown)" : holder}: wait for it to finish, or remove ${lock} if no such process runs`,
      );
    }
    await sleep(50);
  }
}

/** An empty or garbled lock is taken over once it is this old (an older program wrote the pid after creating the file). */
const STALE_UNREADABLE_LOCK_MS = 2_000;

async function olderThan(path: string, ms: number): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > ms;
}
