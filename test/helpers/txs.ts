import {
  type Amount,
  bytesToHex,
  DEVNET,
  devnetAccounts,
  encodeAddress,
  encodeTx,
  genesisBlock,
  type Hash,
  signTx,
  type Transaction,
  txid,
} from "../../packages/core/src/index.js";

export const accounts = devnetAccounts();
export const address = (i: number) => encodeAddress(accounts[i].pubkey, DEVNET.hrp);
export const genesis = genesisBlock(DEVNET);
export const genesisTxid = txid(genesis.txs[0]);
/** Genesis output i pays 1,000 coins to account i and is spendable at once. */
export const GENESIS_VALUE = 100_000_000_000n;

export interface Spend {
  txid: Hash;
  vout: number;
  value: bigint;
  /** devnet account that owns it */
  from: number;
}

/** A payment signed by the devnet keys: outputs as [account index or raw 32-byte key, value]. */
export function pay(
  inputs: Spend[],
  outputs: [number | Uint8Array, bigint][],
  opts: { version?: number; locktime?: number } = {},
): { tx: Transaction; hex: string; txid: Hash } {
  const unsigned: Transaction = {
    version: opts.version ?? 1,
    inputs: inputs.map((i) => ({ prevTxid: i.txid, vout: i.vout, witness: new Uint8Array(64) })),
    outputs: outputs.map(([to, value]) => ({ value: value as Amount, pubkey: typeof to === "number" ? accounts[to].pubkey : to })),
    locktime: opts.locktime ?? 0,
  };
  const tx = signTx(
    unsigned,
    inputs.map((i) => ({ value: i.value as Amount, pubkey: accounts[i.from].pubkey })),
    inputs.map((i) => accounts[i.from].sk),
  );
  return { tx, hex: bytesToHex(encodeTx(tx)), txid: txid(tx) };
}

export const genesisCoin = (i: number): Spend => ({ txid: genesisTxid, vout: i, value: GENESIS_VALUE, from: i });
