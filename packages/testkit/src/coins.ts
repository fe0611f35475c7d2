import {
  bytesToHex,
  encodeTx,
  type Hash,
  type SecretKey,
  signTx,
  type Transaction,
  type TxOutput,
  txid,
  type UtxoEntry,
} from "@utxolab/core";
import { accounts, GENESIS, GENESIS_TXID, keyFor, out, units } from "./devnet.js";

/** Genesis output `i`: 1,000 coins paying devnet account `i`, spendable at once. */
export function genesisCoin(i: number): UtxoEntry {
  const o = GENESIS.txs[0].outputs[i];
  return { txid: GENESIS_TXID, vout: i, coin: { value: o.value, pubkey: o.pubkey, height: 0, coinbase: true } };
}

/** A coin the test knows by outpoint: `value` owned by devnet account `owner`. */
export function coin(id: Hash, vout: number, value: bigint, owner: number, o: { height?: number; coinbase?: boolean } = {}): UtxoEntry {
  return {
    txid: id,
    vout,
    coin: { value: units(value), pubkey: accounts[owner].pubkey, height: o.height ?? 0, coinbase: o.coinbase ?? false },
  };
}

/** Every output of `tx` as a coin confirmed at `height`. */
export function outputsOf(tx: Transaction, height = 0, coinbase = false): UtxoEntry[] {
  const id = txid(tx);
  return tx.outputs.map((o, vout) => ({ txid: id, vout, coin: { value: o.value, pubkey: o.pubkey, height, coinbase } }));
}

/** Output `vout` of `tx` as a coin. */
export const outputOf = (tx: Transaction, vout: number, height = 0): UtxoEntry => outputsOf(tx, height)[vout];

/** Fixed BIP340 aux randomness: the same test builds the same signatures every run. */
const AUX = new Uint8Array(32);

export interface SpendOptions {
  version?: number;
  locktime?: number;
  /** signing keys, one per input (default: the devnet key that owns each coin) */
  keys?: SecretKey[];
  /** BIP340 aux randomness (default fixed: the same payment always gets the same signatures and txid) */
  aux?: Uint8Array;
}

/** A transaction spending `coins` (signed by the devnet keys that own them) to `outputs`. */
export function spend(coins: readonly UtxoEntry[], outputs: TxOutput[], opts: SpendOptions = {}): Transaction {
  const unsigned: Transaction = {
    version: opts.version ?? 1,
    inputs: coins.map((c) => ({ prevTxid: c.txid, vout: c.vout, witness: new Uint8Array(0) })),
    outputs,
    locktime: opts.locktime ?? 0,
  };
  return signTx(
    unsigned,
    coins.map((c) => c.coin),
    opts.keys ?? coins.map((c) => keyFor(c.coin.pubkey)),
    opts.aux ?? AUX,
  );
}

/** A payment as a node receives it: outputs as [account index or raw 32-byte key, value]. */
export function pay(
  coins: readonly UtxoEntry[],
  outputs: [number | Uint8Array, bigint][],
  opts: SpendOptions = {},
): { tx: Transaction; hex: string; txid: Hash } {
  const tx = spend(
    coins,
    outputs.map(([to, value]) => out(value, to)),
    opts,
  );
  return { tx, hex: bytesToHex(encodeTx(tx)), txid: txid(tx) };
}
