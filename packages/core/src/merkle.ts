import { concatBytes } from "./bytes.js";
import { type Hash, hashBytes, sha256, toHash } from "./hash.js";

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

function mth(leaves: Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 1) return sha256(concatBytes(LEAF, leaves[lo]));
  let k = 1;
  while (k * 2 < n) k *= 2;
  return sha256(concatBytes(NODE, mth(leaves, lo, lo + k), mth(leaves, lo + k, hi)));
}

/** RFC 6962 merkle tree hash of the txids; no duplication of odd leaves. Empty: sha256(""). */
export function merkleRoot(txids: readonly Hash[]): Hash {
  if (txids.length === 0) return toHash(sha256(new Uint8Array(0)));
  return toHash(mth(txids.map(hashBytes), 0, txids.length));
}
