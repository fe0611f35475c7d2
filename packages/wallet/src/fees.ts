import { type Amount, compactSizeLen } from "@utxolab/core";

/** Every spend carries one 64-byte signature, so a transaction's size is known before signing. */
export const INPUT_SIZE = 32 + 4 + 1 + 64;
export const OUTPUT_SIZE = 8 + 32;
/** SPEC §7 default: outputs below this are refused by the pool. */
export const DUST_LIMIT = 546n as Amount;
/** SPEC §7 default minimum relay fee rate, units per byte. */
export const DEFAULT_FEE_RATE = 1n;

export function txSizeFor(nIn: number, nOut: number): number {
  return 4 + compactSizeLen(nIn) + nIn * INPUT_SIZE + compactSizeLen(nOut) + nOut * OUTPUT_SIZE + 4;
}

export const feeFor = (nIn: number, nOut: number, rate: bigint): Amount => (BigInt(txSizeFor(nIn, nOut)) * rate) as Amount;

/** SPEC §7: the pool refuses a transaction larger than this. */
export const MAX_STANDARD_TX_SIZE = 100_000;

/** The pool's signature budget (docs/mempool.md `maxTxSigs`): one signature per input. */
export const MAX_STANDARD_TX_SIGS = 100;

/** The most inputs a transaction with `nOut` outputs may have and still be accepted by the pool (size and signature budget). */
export function maxInputsFor(nOut: number, maxSize = MAX_STANDARD_TX_SIZE, maxSigs = MAX_STANDARD_TX_SIGS): number {
  let n = Math.floor((maxSize - txSizeFor(0, nOut)) / INPUT_SIZE);
  while (n > 0 && txSizeFor(n, nOut) > maxSize) n--;
  return Math.min(n, maxSigs);
}
