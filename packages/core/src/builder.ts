import type { Amount } from "./amount.js";
import type { Block, BlockHeader } from "./block.js";
import { concatBytes } from "./bytes.js";
import { Writer } from "./encoding.js";
import { type Hash, ZERO_HASH } from "./hash.js";
import { type SecretKey, signSchnorr } from "./keys.js";
import { merkleRoot } from "./merkle.js";
import type { NetworkParams } from "./params.js";
import { solve } from "./pow.js";
import { type SpentOutput, sighashFromParts, sighashParts } from "./sighash.js";
import { NULL_VOUT, type Transaction, type TxOutput, txid } from "./transaction.js";

/** A coinbase for `height`: its witness starts with the height, then optional extra bytes. */
export function makeCoinbase(height: number, outputs: TxOutput[], extra: Uint8Array = new Uint8Array(0), locktime = 0): Transaction {
  const witness = concatBytes(new Writer(4).u32(height).finish(), extra);
  return { version: 1, inputs: [{ prevTxid: ZERO_HASH, vout: NULL_VOUT, witness }], outputs, locktime };
}

/** Signs every input; `keys[i]` signs input i, which spends `spent[i]`. Returns a new transaction. */
export function signTx(tx: Transaction, spent: readonly SpentOutput[], keys: readonly SecretKey[], auxRand?: Uint8Array): Transaction {
  const unsigned: Transaction = { ...tx, inputs: tx.inputs.map((i) => ({ ...i, witness: new Uint8Array(64) })) };
  const parts = sighashParts(unsigned, spent);
  return {
    ...tx,
    inputs: tx.inputs.map((inp, i) => ({ ...inp, witness: signSchnorr(sighashFromParts(unsigned, parts, i), keys[i], auxRand) })),
  };
}

/** Searches the nonce (then the time) until the header meets its target: `solve` with the network's powLimit. */
export function solveHeader(header: BlockHeader, params: NetworkParams): BlockHeader {
  return solve(header, params.powLimit);
}

export interface BlockDraft {
  prevHash: Hash;
  height: number;
  time: number;
  /** paid by the coinbase; its value is the caller's claim (subsidy + fees at most) */
  coinbaseOutputs: { value: Amount; pubkey: Uint8Array }[];
  txs?: Transaction[];
  coinbaseExtra?: Uint8Array;
  version?: number;
}

export function buildBlock(d: BlockDraft, params: NetworkParams): Block {
  const coinbase = makeCoinbase(d.height, d.coinbaseOutputs, d.coinbaseExtra);
  const txs = [coinbase, ...(d.txs ?? [])];
  const header = solveHeader(
    { version: d.version ?? 1, prevHash: d.prevHash, merkleRoot: merkleRoot(txs.map(txid)), time: d.time, bits: params.bits, nonce: 0 },
    params,
  );
  return { header, txs };
}
