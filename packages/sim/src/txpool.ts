import { type Amount, devnetAccounts, genesisBlock, type Hash, type NetworkParams, signTx, type Transaction, txid } from "@utxolab/core";

/**
 * Pre-signed transactions from the devnet accounts, signed once per process
 * (signing is the costly part; a run only picks which to send when).
 * Account i's genesis coin is split into `fanout` coins by one transaction;
 * every later transaction spends one of those coins back to the account, so a
 * transaction never waits on more than its split. Signatures use fixed
 * auxiliary randomness, so txids are the same in every run.
 */
export interface TxLoad {
  /** the split transactions: sent first */
  splits: Transaction[];
  /** independent payments, each spending one split output */
  payments: Transaction[];
}

const FEE = 2_000n;
const AUX = new Uint8Array(32);
const cache = new Map<string, TxLoad>();

/** Accounts 0..7 carry the load; 8 and 9 are kept for the double-spend scenario. */
export const LOAD_ACCOUNTS = 8;

export function txLoad(params: NetworkParams, count: number): TxLoad {
  const fanout = Math.max(1, Math.ceil(count / LOAD_ACCOUNTS));
  const key = `${params.name}:${fanout}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const g = genesisBlock(params).txs[0];
  const gid = txid(g);
  const accounts = devnetAccounts();
  const splits: Transaction[] = [];
  const perAccount: Transaction[][] = [];
  for (let a = 0; a < LOAD_ACCOUNTS; a++) {
    const acc = accounts[a];
    const value = g.outputs[a].value;
    const each = (value - FEE) / BigInt(fanout);
    const split = signTx(
      {
        version: 1,
        inputs: [{ prevTxid: gid, vout: a, witness: new Uint8Array(64) }],
        outputs: Array.from({ length: fanout }, () => ({ value: each as Amount, pubkey: acc.pubkey })),
        locktime: 0,
      },
      [{ value, pubkey: acc.pubkey }],
      [acc.sk],
      AUX,
    );
    splits.push(split);
    const sid: Hash = txid(split);
    const mine: Transaction[] = [];
    for (let v = 0; v < fanout; v++) {
      mine.push(
        signTx(
          {
            version: 1,
            inputs: [{ prevTxid: sid, vout: v, witness: new Uint8Array(64) }],
            outputs: [{ value: (each - FEE) as Amount, pubkey: acc.pubkey }],
            locktime: 0,
          },
          [{ value: each as Amount, pubkey: acc.pubkey }],
          [acc.sk],
          AUX,
        ),
      );
    }
    perAccount.push(mine);
  }
  // interleave accounts so any prefix spreads over all of them
  const payments: Transaction[] = [];
  for (let v = 0; v < fanout; v++) for (let a = 0; a < LOAD_ACCOUNTS; a++) payments.push(perAccount[a][v]);
  const load = { splits, payments };
  cache.set(key, load);
  return load;
}
