import { type Amount, DEVNET, type Hash, type Transaction, type TxOutput, txSize, type UtxoEntry } from "@utxolab/core";
import { genesisCoin, mine, NOW, openChain, out, outputOf, type SpendOptions, spend } from "@utxolab/testkit";
import { Mempool, type MempoolOptions } from "../src/index.js";

/** Devnet's start: the pool's clock starts here (the chain's clock is the kit's NOW). */
export const T0 = DEVNET.genesis.time;
export const CHAIN_NOW = NOW;

/** Bytes of a transaction with this many inputs and outputs: values and signatures never change its size. */
export function sizeFor(nIn: number, nOut: number): number {
  const probe: Transaction = {
    version: 1,
    inputs: Array.from({ length: nIn }, () => ({ prevTxid: "00".repeat(32) as Hash, vout: 0, witness: new Uint8Array(64) })),
    outputs: Array.from({ length: nOut }, () => ({ value: 0n as Amount, pubkey: new Uint8Array(32) })),
    locktime: 0,
  };
  return txSize(probe);
}

/**
 * Spends `inputs` paying `pay` outputs and the rest, minus `feeRate` units per byte
 * (or an exact `fee`), back to account `change`.
 */
export function payWithFee(
  inputs: UtxoEntry[],
  pay: TxOutput[],
  fee: { rate?: bigint; exact?: bigint },
  change = 0,
  opts: SpendOptions = {},
): Transaction {
  const size = sizeFor(inputs.length, pay.length + 1);
  const f = fee.exact ?? (fee.rate ?? 1n) * BigInt(size);
  const total = inputs.reduce((s, i) => s + i.coin.value, 0n) - pay.reduce((s, o) => s + o.value, 0n);
  return spend(inputs, [...pay, out(total - f, change)], opts);
}

/** A fresh devnet chain with a pool on it; `clock.now` drives the pool's time. */
export async function setup(opts: MempoolOptions = {}) {
  const clock = { now: T0 + 1_000 };
  const chain = await openChain();
  const pool = new Mempool(chain, { now: () => clock.now, ...opts });
  return { chain, pool, clock };
}

/** Splits genesis output `i` into `n` equal outputs for account `i`, confirmed in a block. */
export async function fanOut(chain: Awaited<ReturnType<typeof openChain>>, i: number, n: number, each: bigint): Promise<UtxoEntry[]> {
  const tx = payWithFee(
    [genesisCoin(i)],
    Array.from({ length: n }, () => out(each, i)),
    { rate: 1n },
    i,
  );
  await mine(chain, [tx]);
  return Array.from({ length: n }, (_, v) => outputOf(tx, v));
}
