import { Writer } from "./encoding.js";
import { hashBytes, sha256, taggedHash } from "./hash.js";
import type { Transaction } from "./transaction.js";
import type { Coin } from "./utxo.js";

export const SIGHASH_TAG = "UTXOLab/sighash";

export interface SighashParts {
  hashOutpoints: Uint8Array;
  hashSpentValues: Uint8Array;
  hashSpentPubkeys: Uint8Array;
  hashOutputs: Uint8Array;
}

export type SpentOutput = Pick<Coin, "value" | "pubkey">;

/** The per-transaction hashes, computed once and shared by every input's sighash. */
export function sighashParts(tx: Transaction, spent: readonly SpentOutput[]): SighashParts {
  const op = new Writer(tx.inputs.length * 36);
  for (const i of tx.inputs) op.bytes(hashBytes(i.prevTxid)).u32(i.vout);
  const vals = new Writer(spent.length * 8);
  const keys = new Writer(spent.length * 32);
  for (const s of spent) {
    vals.u64(s.value);
    keys.bytes(s.pubkey);
  }
  const outs = new Writer(tx.outputs.length * 40);
  for (const o of tx.outputs) outs.u64(o.value).bytes(o.pubkey);
  return {
    hashOutpoints: sha256(op.finish()),
    hashSpentValues: sha256(vals.finish()),
    hashSpentPubkeys: sha256(keys.finish()),
    hashOutputs: sha256(outs.finish()),
  };
}

export function sighashPreimage(tx: Transaction, parts: SighashParts, index: number): Uint8Array {
  return new Writer(4 + 4 + 128 + 4)
    .u32(tx.version)
    .u32(tx.locktime)
    .bytes(parts.hashOutpoints)
    .bytes(parts.hashSpentValues)
    .bytes(parts.hashSpentPubkeys)
    .bytes(parts.hashOutputs)
    .u32(index)
    .finish();
}

export function sighashFromParts(tx: Transaction, parts: SighashParts, index: number): Uint8Array {
  return taggedHash(SIGHASH_TAG, sighashPreimage(tx, parts, index));
}

export function sighash(tx: Transaction, spent: readonly SpentOutput[], index: number): Uint8Array {
  return sighashFromParts(tx, sighashParts(tx, spent), index);
}
