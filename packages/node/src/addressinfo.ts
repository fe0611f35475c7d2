import { type AddressInfo, type AddressUtxo, bytesToHex, formatCoins } from "@utxolab/core";
import type { ChainSource, PoolSource } from "./parts.js";

export type { AddressInfo, AddressUtxo };

/**
 * What an address holds, as RPC `getaddressinfo` and the web page report it: confirmed
 * coins split by whether the next block may spend them, plus what the pool will pay it.
 */
export function addressInfo(
  node: Pick<ChainSource, "chain" | "params"> & PoolSource,
  address: string,
  pubkey: Uint8Array,
  opts: { pendingLimit?: number } = {},
): AddressInfo {
  const chain = node.chain;
  const params = node.params;
  const pkHex = bytesToHex(pubkey);
  const spendHeight = chain.height + 1;
  let balance = 0n;
  let spendable = 0n;
  let immature = 0n;
  let spending = 0n;
  const utxos: AddressUtxo[] = chain.utxos.coinsOf(pkHex).map(({ txid: t, vout, coin }) => {
    balance += coin.value;
    const mature = !coin.coinbase || coin.height === 0 || spendHeight >= coin.height + params.coinbaseMaturity;
    const spentBy = node.mempool.spenderOf(t, vout);
    if (!mature) immature += coin.value;
    else if (spentBy) spending += coin.value;
    else spendable += coin.value;
    return {
      txid: t,
      vout,
      value: coin.value.toString(),
      height: coin.height,
      coinbase: coin.coinbase,
      mature,
      ...(spentBy ? { spentBy } : {}),
    };
  });
  utxos.sort((a, b) => a.height - b.height || a.txid.localeCompare(b.txid) || a.vout - b.vout);
  // from the node's running tally of what the pool pays each key: no pass over the pool
  const pendingOf = node.poolPayments.of(pkHex, opts.pendingLimit);
  return {
    address,
    pubkey: pkHex,
    balance: balance.toString(),
    spendable: spendable.toString(),
    immature: immature.toString(),
    pending: pendingOf.total.toString(),
    spending: spending.toString(),
    utxos,
    pendingUtxos: pendingOf.outputs,
    pendingCount: pendingOf.count,
    balanceCoins: formatCoins(balance),
  };
}
