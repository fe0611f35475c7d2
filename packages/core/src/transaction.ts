import type { Amount } from "./amount.js";
import { bytesToHex, hexToBytes } from "./bytes.js";
import { DecodeError, Reader, Writer } from "./encoding.js";
import { type Hash, hashBytes, sha256d, toHash, ZERO_HASH } from "./hash.js";

export interface TxInput {
  readonly prevTxid: Hash;
  readonly vout: number;
  readonly witness: Uint8Array;
}

export interface TxOutput {
  readonly value: Amount;
  /** x-only key that may spend it (any 32 bytes) */
  readonly pubkey: Uint8Array;
}

/**
 * Read-only once built: txid and size are memoized per object, so a changed transaction is a
 * new object (`{ ...tx, outputs: [...] }`). (The bytes of a witness or key are not frozen: a
 * Uint8Array cannot be; nothing writes into them.)
 */
export interface Transaction {
  readonly version: number;
  readonly inputs: readonly TxInput[];
  readonly outputs: readonly TxOutput[];
  readonly locktime: number;
}

export const NULL_VOUT = 0xffffffff;

const txidMemo = new WeakMap<Transaction, Hash>();
const sizeMemo = new WeakMap<Transaction, number>();

export function writeTx(w: Writer, tx: Transaction): void {
  w.u32(tx.version).compactSize(tx.inputs.length);
  for (const i of tx.inputs) w.bytes(hashBytes(i.prevTxid)).u32(i.vout).varBytes(i.witness);
  w.compactSize(tx.outputs.length);
  for (const o of tx.outputs) w.u64(o.value).bytes(o.pubkey);
  w.u32(tx.locktime);
}

export function encodeTx(tx: Transaction): Uint8Array {
  const w = new Writer(64 + tx.inputs.length * 110 + tx.outputs.length * 40);
  writeTx(w, tx);
  return w.finish();
}

export function txid(tx: Transaction): Hash {
  let id = txidMemo.get(tx);
  if (id === undefined) {
    const raw = encodeTx(tx);
    id = toHash(sha256d(raw));
    txidMemo.set(tx, id);
    sizeMemo.set(tx, raw.length);
  }
  return id;
}

export function txSize(tx: Transaction): number {
  let s = sizeMemo.get(tx);
  if (s === undefined) {
    txid(tx);
    s = sizeMemo.get(tx) as number;
  }
  return s;
}

/** Smallest encodings, used to bound counts before allocating. */
const MIN_INPUT = 32 + 4 + 1;
const MIN_OUTPUT = 8 + 32;

export function readTx(r: Reader): Transaction {
  const start = r.pos;
  const version = r.u32();
  const nIn = r.count(MIN_INPUT, "input");
  const inputs: TxInput[] = new Array(nIn);
  for (let k = 0; k < nIn; k++) {
    const prevTxid = toHash(r.bytes(32, "prevTxid"));
    const vout = r.u32();
    const witness = r.varBytes("witness").slice();
    inputs[k] = { prevTxid, vout, witness };
  }
  const nOut = r.count(MIN_OUTPUT, "output");
  const outputs: TxOutput[] = new Array(nOut);
  for (let k = 0; k < nOut; k++) {
    const value = r.u64() as Amount;
    const pubkey = r.bytes(32, "pubkey").slice();
    outputs[k] = { value, pubkey };
  }
  const locktime = r.u32();
  const tx: Transaction = { version, inputs, outputs, locktime };
  const raw = r.buf.subarray(start, r.pos);
  txidMemo.set(tx, toHash(sha256d(raw)));
  sizeMemo.set(tx, raw.length);
  return tx;
}

export type TxDecode = { ok: true; tx: Transaction } | { ok: false; reason: "tx-decode-failed"; detail: string };

export function decodeTx(data: Uint8Array | string): TxDecode {
  try {
    const buf = typeof data === "string" ? hexToBytes(data) : data;
    const r = new Reader(buf);
    const tx = readTx(r);
    r.end("transaction");
    return { ok: true, tx };
  } catch (e) {
    const detail = e instanceof DecodeError || e instanceof TypeError ? e.message : String(e);
    return { ok: false, reason: "tx-decode-failed", detail };
  }
}

export const txHex = (tx: Transaction): string => bytesToHex(encodeTx(tx));

export function isNullOutpoint(i: TxInput): boolean {
  return i.vout === NULL_VOUT && i.prevTxid === ZERO_HASH;
}

/** Exactly one input, spending the null outpoint. */
export function isCoinbase(tx: Transaction): boolean {
  return tx.inputs.length === 1 && isNullOutpoint(tx.inputs[0]);
}

export const outpointKey = (txid: string, vout: number): string => `${txid}:${vout}`;
