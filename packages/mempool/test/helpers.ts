import {
  type Amount,
  type Block,
  type BlockIndexEntry,
  buildBlock,
  ChainState,
  DEVNET,
  devnetAccounts,
  genesisBlock,
  type Hash,
  MemoryChainBackend,
  type SecretKey,
  signTx,
  subsidyAt,
  type Transaction,
  txid,
  txSize,
} from "@utxolab/core";
import { Mempool, type MempoolOptions } from "../src/index.js";

export const accounts = devnetAccounts();
export const T0 = DEVNET.genesis.time;
/** the chain's clock: far enough ahead that test blocks are never too new */
export const CHAIN_NOW = T0 + 10_000_000;

/** An output someone can spend, with the key that signs for it. */
export interface Spendable {
  txid: Hash;
  vout: number;
  value: bigint;
  pubkey: Uint8Array;
  sk: SecretKey;
}

export const genesisCoin = (i: number): Spendable => ({
  txid: txid(genesisBlock(DEVNET).txs[0]),
  vout: i,
  value: DEVNET.genesis.allocation,
  pubkey: accounts[i].pubkey,
  sk: accounts[i].sk,
});

/** Output `vout` of `tx`, spendable by devnet account `acct`. */
export const outputOf = (tx: Transaction, vout: number, acct: number): Spendable => ({
  txid: txid(tx),
  vout,
  value: tx.outputs[vout].value,
  pubkey: tx.outputs[vout].pubkey,
  sk: accounts[acct].sk,
});

const AUX = new Uint8Array(32);

/** A signed transaction spending `inputs` to `outputs` (deterministic signatures). */
export function spend(
  inputs: Spendable[],
  outputs: { value: bigint; to: number }[],
  opts: { version?: number; locktime?: number } = {},
): Transaction {
  const unsigned: Transaction = {
    version: opts.version ?? 1,
    inputs: inputs.map((i) => ({ prevTxid: i.txid, vout: i.vout, witness: new Uint8Array(64) })),
    outputs: outputs.map((o) => ({ value: o.value as Amount, pubkey: accounts[o.to].pubkey })),
    locktime: opts.locktime ?? 0,
  };
  return signTx(
    unsigned,
    inputs.map((i) => ({ value: i.value as Amount, pubkey: i.pubkey })),
    inputs.map((i) => i.sk),
    AUX,
  );
}

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
  inputs: Spendable[],
  pay: { value: bigint; to: number }[],
  fee: { rate?: bigint; exact?: bigint },
  change = 0,
  opts: { version?: number; locktime?: number } = {},
): Transaction {
  const size = sizeFor(inputs.length, pay.length + 1);
  const f = fee.exact ?? (fee.rate ?? 1n) * BigInt(size);
  const total = inputs.reduce((s, i) => s + i.value, 0n) - pay.reduce((s, o) => s + o.value, 0n);
  return spend(inputs, [...pay, { value: total - f, to: change }], opts);
}

/** A fresh devnet chain with a pool on it; `clock.now` drives the pool's time. */
export async function setup(opts: MempoolOptions = {}) {
  const clock = { now: T0 + 1_000 };
  const chain = await ChainState.open(DEVNET, new MemoryChainBackend(), { now: () => CHAIN_NOW });
  const pool = new Mempool(chain, { now: () => clock.now, ...opts });
  return { chain, pool, clock };
}

/** A block on `parent` (the tip by default) holding `txs`; the coinbase claims the subsidy and `fees`. */
export function blockOn(
  chain: ChainState,
  txs: Transaction[],
  o: { parent?: BlockIndexEntry; fees?: bigint; payTo?: number; extra?: number } = {},
): Block {
  const parent = o.parent ?? chain.tip;
  const height = parent.height + 1;
  return buildBlock(
    {
      prevHash: parent.hash,
      height,
      time: parent.header.time + 60,
      coinbaseOutputs: [{ value: (subsidyAt(height, DEVNET) + (o.fees ?? 0n)) as Amount, pubkey: accounts[o.payTo ?? 9].pubkey }],
      coinbaseExtra: o.extra === undefined ? undefined : new Uint8Array([o.extra]),
      txs,
    },
    DEVNET,
  );
}

/** Builds and connects a block; fails the test if the chain refuses it. */
export async function mine(chain: ChainState, txs: Transaction[] = [], o: Parameters<typeof blockOn>[2] = {}): Promise<Block> {
  const block = blockOn(chain, txs, o);
  const r = await chain.submitBlock(block);
  if (!r.ok) throw new Error(`test block refused: ${r.reason}: ${r.detail ?? ""}`);
  return block;
}

/** Splits genesis output `i` into `n` equal outputs for account `i`, confirmed in a block. */
export async function fanOut(chain: ChainState, i: number, n: number, each: bigint): Promise<Spendable[]> {
  const tx = payWithFee(
    [genesisCoin(i)],
    Array.from({ length: n }, () => ({ value: each, to: i })),
    { rate: 1n },
    i,
  );
  await mine(chain, [tx]);
  return Array.from({ length: n }, (_, v) => outputOf(tx, v, i));
}
