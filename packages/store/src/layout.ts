import { type Hash, hashBytes, toHash, utf8 } from "@utxolab/core";

/**
 * Key layout: one prefix byte (a readable ASCII letter), then the binary id.
 * Every kind of record has its own prefix so each can be range-scanned on its own.
 */
export const PREFIX = {
  block: 0x62, // 'b' + block hash (32) → encodeBlock
  coin: 0x63, // 'c' + txid (32) + vout (u32 big-endian) → encodeCoin
  index: 0x69, // 'i' + block hash (32) → encodeIndexEntry
  meta: 0x6d, // 'm' + name → the store's own records (schema, genesis, network, tip)
  undo: 0x75, // 'u' + block hash (32) → encodeUndo
  app: 0x78, // 'x' + utf8 key → metadata of the program using the store (getMeta/putMeta)
  log: 0x72, // 'r' + seq (u32 big-endian) → one record of the program's capped log (the node's refusal history)
} as const;

/** Version of this layout; a store written with another one is refused rather than misread. */
export const SCHEMA_VERSION = 1;

export const META = {
  schema: "schema",
  genesis: "genesis",
  network: "network",
  tip: "tip",
} as const;

const withHash = (prefix: number, hash: Hash): Uint8Array => {
  const k = new Uint8Array(33);
  k[0] = prefix;
  k.set(hashBytes(hash), 1);
  return k;
};

export const blockKey = (hash: Hash) => withHash(PREFIX.block, hash);
export const undoKey = (hash: Hash) => withHash(PREFIX.undo, hash);
export const indexKey = (hash: Hash) => withHash(PREFIX.index, hash);

export const COIN_KEY_LENGTH = 37;

/** Big-endian vout keeps a transaction's outputs adjacent and in order in a scan. */
export function coinKey(txid: Hash, vout: number): Uint8Array {
  const k = new Uint8Array(COIN_KEY_LENGTH);
  k[0] = PREFIX.coin;
  k.set(hashBytes(txid), 1);
  new DataView(k.buffer).setUint32(33, vout, false);
  return k;
}

export function hashOfKey(k: Uint8Array): Hash | undefined {
  return k.length === 33 ? toHash(k.subarray(1)) : undefined;
}

const named = (prefix: number, name: string): Uint8Array => {
  const n = utf8(name);
  const k = new Uint8Array(1 + n.length);
  k[0] = prefix;
  k.set(n, 1);
  return k;
};

export const metaKey = (name: string) => named(PREFIX.meta, name);
export const appKey = (name: string) => named(PREFIX.app, name);

/** Big-endian seq keeps the log in order in a scan. */
export function logKey(seq: number): Uint8Array {
  const k = new Uint8Array(5);
  k[0] = PREFIX.log;
  new DataView(k.buffer).setUint32(1, seq, false);
  return k;
}

/** Bounds covering every key that starts with `prefix`. */
export const prefixRange = (prefix: number) => ({ gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) });
