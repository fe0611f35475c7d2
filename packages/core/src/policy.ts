import type { Amount } from "./amount.js";
import { compactSizeLen } from "./block.js";

/**
 * SPEC §7 pool policy defaults, and the size of a transaction before it is signed. The pool,
 * the wallet, the miner and the page all read these, so a policy number is written once.
 * Policy is not consensus: a node may be run with other values (see MempoolOptions).
 */
export const POLICY = Object.freeze({
  /** outputs below this are refused by the pool (`dust`) */
  dustLimit: 546n as Amount,
  /** the smallest fee rate relayed, units per byte (`min-relay-fee-not-met`) */
  minRelayFeeRate: 1n,
  /** the largest transaction relayed, bytes (`tx-size`) */
  maxTxSize: 100_000,
  /**
   * signatures one transaction may ask the pool to check (`too-many-sigs`): one per input.
   * Checked before any lookup, so a transaction of ~980 inputs with a bad last signature
   * costs nothing. 500 lets a wallet holding many small coins pay with a few hundred of them.
   */
  maxTxSigs: 500,
  /** signatures in one block template: the miner's per-block budget */
  maxBlockSigs: 2_000,
});

/** Every spend carries one 64-byte signature, so a transaction's size is known before signing. */
export const INPUT_SIZE = 32 + 4 + 1 + 64;
export const OUTPUT_SIZE = 8 + 32;

/** The serialized size of a transaction with `nIn` signed inputs and `nOut` outputs. */
export function txSizeFor(nIn: number, nOut: number): number {
  return 4 + compactSizeLen(nIn) + nIn * INPUT_SIZE + compactSizeLen(nOut) + nOut * OUTPUT_SIZE + 4;
}

/** The fee that pays `rate` units per byte for such a transaction. */
export const feeFor = (nIn: number, nOut: number, rate: bigint): Amount => (BigInt(txSizeFor(nIn, nOut)) * rate) as Amount;

/** The most inputs a transaction with `nOut` outputs may have and still be accepted by the pool (size and signature budget). */
export function maxInputsFor(nOut: number, maxSize = POLICY.maxTxSize, maxSigs = POLICY.maxTxSigs): number {
  let n = Math.floor((maxSize - txSizeFor(0, nOut)) / INPUT_SIZE);
  while (n > 0 && txSizeFor(n, nOut) > maxSize) n--;
  return Math.min(n, maxSigs);
}
