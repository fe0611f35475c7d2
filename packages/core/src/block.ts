import { hexToBytes } from "./bytes.js";
import { DecodeError, Reader, Writer } from "./encoding.js";
import { type Hash, hashBytes, sha256d, toHash } from "./hash.js";
import { readTx, type Transaction, txSize, writeTx } from "./transaction.js";

/** Read-only: its hash is memoized per object, so a changed header is a new object (`{ ...h, nonce }`). */
export interface BlockHeader {
  readonly version: number;
  readonly prevHash: Hash;
  readonly merkleRoot: Hash;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
}

/** Read-only, as its header and transactions: a changed block is built anew. */
export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly Transaction[];
}

export const HEADER_SIZE = 80;

export function writeHeader(w: Writer, h: BlockHeader): void {
  w.u32(h.version).bytes(hashBytes(h.prevHash)).bytes(hashBytes(h.merkleRoot)).u32(h.time).u32(h.bits).u32(h.nonce);
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  const w = new Writer(HEADER_SIZE);
  writeHeader(w, h);
  return w.finish();
}

export function readHeader(r: Reader): BlockHeader {
  return {
    version: r.u32(),
    prevHash: toHash(r.bytes(32, "prevHash")),
    merkleRoot: toHash(r.bytes(32, "merkleRoot")),
    time: r.u32(),
    bits: r.u32(),
    nonce: r.u32(),
  };
}

const hashMemo = new WeakMap<BlockHeader, Hash>();

/** Memoized per header object: headers are treated as immutable once hashed. */
export function blockHash(h: BlockHeader): Hash {
  let v = hashMemo.get(h);
  if (v === undefined) {
    v = toHash(sha256d(encodeHeader(h)));
    hashMemo.set(h, v);
  }
  return v;
}

/** Hash of a header whose nonce is being searched: no memo, so a mutated header is rehashed. */
export const headerHashNoMemo = (h: BlockHeader): Hash => toHash(sha256d(encodeHeader(h)));

export function encodeBlock(b: Block): Uint8Array {
  const w = new Writer(HEADER_SIZE + 9 + b.txs.reduce((s, t) => s + txSize(t), 0));
  writeHeader(w, b.header);
  w.compactSize(b.txs.length);
  for (const tx of b.txs) writeTx(w, tx);
  return w.finish();
}

const sizeMemo = new WeakMap<Block, number>();

export function blockSize(b: Block): number {
  let s = sizeMemo.get(b);
  if (s === undefined) {
    s = HEADER_SIZE + compactSizeLen(b.txs.length) + b.txs.reduce((a, t) => a + txSize(t), 0);
    sizeMemo.set(b, s);
  }
  return s;
}

export function compactSizeLen(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** A transaction is at least 10 bytes (version, two counts, locktime). */
const MIN_TX = 10;

export type BlockDecode = { ok: true; block: Block } | { ok: false; reason: "block-decode-failed"; detail: string };

export function decodeBlock(data: Uint8Array | string): BlockDecode {
  try {
    const buf = typeof data === "string" ? hexToBytes(data) : data;
    const r = new Reader(buf);
    const header = readHeader(r);
    const n = r.count(MIN_TX, "transaction");
    const txs: Transaction[] = new Array(n);
    for (let i = 0; i < n; i++) txs[i] = readTx(r);
    r.end("block");
    const block = { header, txs };
    sizeMemo.set(block, buf.length);
    return { ok: true, block };
  } catch (e) {
    const detail = e instanceof DecodeError || e instanceof TypeError ? e.message : String(e);
    return { ok: false, reason: "block-decode-failed", detail };
  }
}

export type HeaderDecode = { ok: true; header: BlockHeader } | { ok: false; detail: string };

export function decodeHeader(data: Uint8Array | string): HeaderDecode {
  try {
    const buf = typeof data === "string" ? hexToBytes(data) : data;
    const r = new Reader(buf);
    const header = readHeader(r);
    r.end("header");
    return { ok: true, header };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}
