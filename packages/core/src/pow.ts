import { type BlockHeader, blockHash, headerHashNoMemo } from "./block.js";
import type { Hash } from "./hash.js";

export const TWO_256 = 1n << 256n;

export type TargetDecode = { ok: true; target: bigint } | { ok: false; reason: "negative" | "zero" | "overflow" | "above-pow-limit" };

/** Bitcoin's compact format; `powLimit` bounds the result. */
export function bitsToTarget(bits: number, powLimit?: bigint): TargetDecode {
  const exponent = bits >>> 24;
  const mantissa = bits & 0x007fffff;
  if (mantissa !== 0 && (bits & 0x00800000) !== 0) return { ok: false, reason: "negative" };
  let target: bigint;
  if (exponent <= 3) target = BigInt(mantissa) >> BigInt(8 * (3 - exponent));
  else target = BigInt(mantissa) << BigInt(8 * (exponent - 3));
  if (target === 0n) return { ok: false, reason: "zero" };
  if (target >= TWO_256) return { ok: false, reason: "overflow" };
  if (powLimit !== undefined && target > powLimit) return { ok: false, reason: "above-pow-limit" };
  return { ok: true, target };
}

/** Work of one block: floor(2^256 / (target + 1)). */
export const workOfTarget = (target: bigint): bigint => TWO_256 / (target + 1n);

export function workOfBits(bits: number): bigint {
  const t = bitsToTarget(bits);
  return t.ok ? workOfTarget(t.target) : 0n;
}

/** The block hash read as a big-endian 256-bit integer. */
export const hashToBigInt = (h: Hash): bigint => BigInt(`0x${h}`);

/** Proof of work: hash <= target of valid bits within powLimit. */
export function checkProofOfWork(hash: Hash, bits: number, powLimit: bigint): boolean {
  const t = bitsToTarget(bits, powLimit);
  return t.ok && hashToBigInt(hash) <= t.target;
}

/** A header meeting its target (its hash remembered), or where a bounded search stopped. */
export type NonceSearch = { found: true; header: BlockHeader } | { found: false; next: BlockHeader };

/**
 * The one proof-of-work loop: tries `header` and the headers after it, at most `maxTries`.
 * The nonce counts up; when it wraps past 0xffffffff the time moves on a second. A caller
 * that must not block (the node's miner) searches in slices and yields between them.
 */
export function searchNonce(header: BlockHeader, powLimit: bigint, maxTries = Number.POSITIVE_INFINITY): NonceSearch {
  const h = { ...header };
  for (let tries = 0; tries < maxTries; tries++) {
    if (checkProofOfWork(headerHashNoMemo(h), h.bits, powLimit)) {
      const solved = { ...h };
      blockHash(solved);
      return { found: true, header: solved };
    }
    h.nonce = (h.nonce + 1) >>> 0;
    if (h.nonce === 0) h.time++;
  }
  return { found: false, next: h };
}

/** Searches from `header`'s nonce until the header meets its target. Devnet targets take ~2 tries. */
export function solve(header: BlockHeader, powLimit: bigint): BlockHeader {
  const r = searchNonce(header, powLimit);
  if (!r.found) throw new Error("unreachable: an unbounded nonce search returned");
  return r.header;
}
