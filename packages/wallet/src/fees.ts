import { type Amount, feeFor, INPUT_SIZE, maxInputsFor, OUTPUT_SIZE, POLICY, txSizeFor } from "@utxolab/core";

// The size formula and the pool's policy numbers live in core (policy.ts); the wallet's names for them.
export { feeFor, INPUT_SIZE, maxInputsFor, OUTPUT_SIZE, txSizeFor };
/** SPEC §7 default: outputs below this are refused by the pool. */
export const DUST_LIMIT: Amount = POLICY.dustLimit;
/** SPEC §7 default minimum relay fee rate, units per byte. */
export const DEFAULT_FEE_RATE = POLICY.minRelayFeeRate;
/** SPEC §7: the pool refuses a transaction larger than this. */
export const MAX_STANDARD_TX_SIZE = POLICY.maxTxSize;
/** The pool's signature budget (docs/mempool.md `maxTxSigs`): one signature per input. */
export const MAX_STANDARD_TX_SIGS = POLICY.maxTxSigs;
