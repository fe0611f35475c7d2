import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, hexToBytes, utf8 } from "./bytes.js";

/** A 32-byte hash as 64 lowercase hex digits, in serialization order (never reversed). */
export type Hash = string & { readonly __brand: "Hash" };

export const ZERO_HASH = "0".repeat(64) as Hash;

export const sha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);
export const sha256d = (data: Uint8Array): Uint8Array => nobleSha256(nobleSha256(data));

const tagCache = new Map<string, Uint8Array>();

/** BIP340 tagged hash: sha256(sha256(tag) || sha256(tag) || x). */
export function taggedHash(tag: string, ...parts: Uint8Array[]): Uint8Array {
  let prefix = tagCache.get(tag);
  if (!prefix) {
    const t = sha256(utf8(tag));
    prefix = concatBytes(t, t);
    tagCache.set(tag, prefix);
  }
  return sha256(concatBytes(prefix, ...parts));
}

export const toHash = (b: Uint8Array): Hash => bytesToHex(b) as Hash;
export const hashBytes = (h: Hash): Uint8Array => hexToBytes(h);

export function isHash(s: unknown): s is Hash {
  return typeof s === "string" && /^[0-9a-f]{64}$/.test(s);
}
