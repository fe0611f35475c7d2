import type { Amount } from "./amount.js";
import { bytesToHex } from "./bytes.js";
import { DecodeError, Reader, Writer } from "./encoding.js";
import type { Hash } from "./hash.js";
import { outpointKey } from "./transaction.js";

/** An unspent output and where it came from. */
export interface Coin {
  value: Amount;
  pubkey: Uint8Array;
  /** height of the block that created it */
  height: number;
  coinbase: boolean;
}

export interface UtxoEntry {
  txid: Hash;
  vout: number;
  coin: Coin;
}

/** Read access to unspent outputs. */
export interface CoinView {
  getCoin(txid: Hash, vout: number): Coin | undefined;
}

/** The UTXO set: what the chain state needs from any implementation. */
export interface UtxoSet extends CoinView {
  add(txid: Hash, vout: number, coin: Coin): void;
  remove(txid: Hash, vout: number): Coin | undefined;
  readonly size: number;
  /** sum of all values, maintained incrementally */
  readonly total: bigint;
  entries(): Iterable<UtxoEntry>;
  /** coins paying this 32-byte key (hex) */
  coinsOf(pubkeyHex: string): UtxoEntry[];
}

/** In-memory UTXO set with an index by paying key, for balances. */
export class MemoryUtxoSet implements UtxoSet {
  private readonly coins = new Map<string, UtxoEntry>();
  /** per paying key: one shared copy of the key, and the outpoints it owns */
  private readonly byKey = new Map<string, { pubkey: Uint8Array; outpoints: Set<string> }>();
  private sum = 0n;

  getCoin(txid: Hash, vout: number): Coin | undefined {
    return this.coins.get(outpointKey(txid, vout))?.coin;
  }

  add(txid: Hash, vout: number, coin: Coin): void {
    const k = outpointKey(txid, vout);
    const old = this.coins.get(k);
    if (old) this.removeKey(k, old);
    const pk = bytesToHex(coin.pubkey);
    let owner = this.byKey.get(pk);
    if (!owner) {
      owner = { pubkey: coin.pubkey, outpoints: new Set() };
      this.byKey.set(pk, owner);
    }
    owner.outpoints.add(k);
    // Coins paying one key share one copy of it: a busy address holds thousands of coins.
    const stored = coin.pubkey === owner.pubkey ? coin : { ...coin, pubkey: owner.pubkey };
    this.coins.set(k, { txid, vout, coin: stored });
    this.sum += coin.value;
  }

  remove(txid: Hash, vout: number): Coin | undefined {
    const k = outpointKey(txid, vout);
    const e = this.coins.get(k);
    if (!e) return undefined;
    this.removeKey(k, e);
    return e.coin;
  }

  private removeKey(k: string, e: UtxoEntry): void {
    this.coins.delete(k);
    this.sum -= e.coin.value;
    const pk = bytesToHex(e.coin.pubkey);
    const owner = this.byKey.get(pk);
    if (owner) {
      owner.outpoints.delete(k);
      if (owner.outpoints.size === 0) this.byKey.delete(pk);
    }
  }

  get size(): number {
    return this.coins.size;
  }

  get total(): bigint {
    return this.sum;
  }

  entries(): Iterable<UtxoEntry> {
    return this.coins.values();
  }

  coinsOf(pubkeyHex: string): UtxoEntry[] {
    const owner = this.byKey.get(pubkeyHex);
    if (!owner) return [];
    return [...owner.outpoints].map((k) => this.coins.get(k) as UtxoEntry);
  }
}

/**
 * Net changes on top of a view: what validating a block adds and spends,
 * so nothing touches the real set until the block is known good.
 */
export class CoinOverlay implements CoinView {
  readonly adds = new Map<string, UtxoEntry>();
  readonly removes = new Map<string, { txid: Hash; vout: number }>();

  constructor(private readonly base: CoinView) {}

  getCoin(txid: Hash, vout: number): Coin | undefined {
    const k = outpointKey(txid, vout);
    const a = this.adds.get(k);
    if (a) return a.coin;
    if (this.removes.has(k)) return undefined;
    return this.base.getCoin(txid, vout);
  }

  add(txid: Hash, vout: number, coin: Coin): void {
    const k = outpointKey(txid, vout);
    this.removes.delete(k);
    this.adds.set(k, { txid, vout, coin });
  }

  spend(txid: Hash, vout: number): void {
    const k = outpointKey(txid, vout);
    this.adds.delete(k);
    if (this.base.getCoin(txid, vout)) this.removes.set(k, { txid, vout });
  }

  applyTo(set: UtxoSet): void {
    for (const r of this.removes.values()) set.remove(r.txid, r.vout);
    for (const a of this.adds.values()) set.add(a.txid, a.vout, a.coin);
  }
}

export function writeCoin(w: Writer, c: Coin): void {
  w.u64(c.value)
    .bytes(c.pubkey)
    .u32(c.height)
    .u8(c.coinbase ? 1 : 0);
}

export function readCoin(r: Reader): Coin {
  const value = r.u64() as Amount;
  const pubkey = r.bytes(32, "pubkey").slice();
  const height = r.u32();
  const flag = r.u8();
  if (flag > 1) throw new DecodeError("coin flag must be 0 or 1");
  return { value, pubkey, height, coinbase: flag === 1 };
}

export function encodeCoin(c: Coin): Uint8Array {
  const w = new Writer(45);
  writeCoin(w, c);
  return w.finish();
}

export function decodeCoin(buf: Uint8Array): Coin {
  const r = new Reader(buf);
  const c = readCoin(r);
  r.end("coin");
  return c;
}

/** Undo data of a block: the coins its inputs spent, in input order. */
export function encodeUndo(spent: readonly Coin[]): Uint8Array {
  const w = new Writer(9 + spent.length * 45);
  w.compactSize(spent.length);
  for (const c of spent) writeCoin(w, c);
  return w.finish();
}

export function decodeUndo(buf: Uint8Array): Coin[] {
  const r = new Reader(buf);
  const n = r.count(45, "undo coin");
  const out: Coin[] = [];
  for (let i = 0; i < n; i++) out.push(readCoin(r));
  r.end("undo data");
  return out;
}
