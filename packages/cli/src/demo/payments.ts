import { type Amount, devnetAccounts, formatCoins, type Hash, signTx, type Transaction } from "@utxolab/core";
import { DEFAULT_FEE_RATE, DUST_LIMIT, feeFor } from "@utxolab/wallet";
import { coins, DemoAbort, type Narrator } from "./narrator.js";
import { type AddressInfo, accountAddress, type DemoCoin, type DemoNode } from "./nodes.js";

/** Blocks the demos mine pay account 9, the devnet's default miner. */
export const MINER_ACCOUNT = 9;

/** What a payment of `nIn` inputs and `nOut` outputs must pay to be relayed (SPEC §7: 1 unit per byte). */
export const relayFee = (nIn: number, nOut: number): Amount => feeFor(nIn, nOut, DEFAULT_FEE_RATE);

export interface Payee {
  /** a devnet account, or any 32-byte key */
  to: number | Uint8Array;
  value: bigint;
}

/**
 * A transaction spending `inputs`, signed with the devnet keys that own them.
 * Values are written as given, even absurd ones: the demos show the node refusing them.
 */
export function signedPayment(inputs: readonly DemoCoin[], payees: readonly Payee[]): Transaction {
  const keys = devnetAccounts();
  const unsigned: Transaction = {
    version: 1,
    inputs: inputs.map((c) => ({ prevTxid: c.txid, vout: c.vout, witness: new Uint8Array(64) })),
    outputs: payees.map((p) => ({ value: p.value as Amount, pubkey: typeof p.to === "number" ? keys[p.to].pubkey : p.to })),
    locktime: 0,
  };
  return signTx(
    unsigned,
    inputs.map((c) => ({ value: c.value, pubkey: keys[c.account].pubkey })),
    inputs.map((c) => keys[c.account].sk),
  );
}

/** `amount` to `to` from one coin, the change (less the relay fee) back to the coin's owner. */
export function payWithChange(coin: DemoCoin, to: number, amount: bigint): Transaction {
  const change = coin.value - amount - relayFee(1, 2);
  if (change < DUST_LIMIT) throw new DemoAbort(`coin ${coin.txid}:${coin.vout} holds too little for this payment`);
  return signedPayment(
    [coin],
    [
      { to, value: amount },
      { to: coin.account, value: change },
    ],
  );
}

const ORDER = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/**
 * A spendable coin of at least `min` units, from the first account (in
 * `prefer` order, then 0..9) that has one, skipping `avoid`. The largest
 * such coin of that account.
 */
export async function findCoin(node: DemoNode, min: bigint, opts: { prefer?: number[]; avoid?: number[] } = {}): Promise<DemoCoin> {
  const order = [...(opts.prefer ?? []), ...ORDER].filter((a, i, all) => all.indexOf(a) === i && !opts.avoid?.includes(a));
  for (const a of order) {
    const info = await node.addressInfo(a);
    const best = info.coins.filter((c) => c.value >= min).sort((x, y) => (x.value > y.value ? -1 : x.value < y.value ? 1 : 0))[0];
    if (best) return best;
  }
  throw new DemoAbort(
    `no devnet account has a spendable coin of at least ${coins(min)} on ${node.name}: mine a few blocks (utxolab rpc generatetoaddress 20 ${accountAddress(MINER_ACCOUNT)}) or start a fresh devnet (utxolab devnet --reset)`,
  );
}

/** Mines on `node` until `id` is in a block, unless a miner of the devnet already did it. Returns its confirmations. */
export async function confirm(node: DemoNode, n: Narrator, id: Hash): Promise<number> {
  for (let tries = 0; tries < 3; tries++) {
    const c = await node.confirmations(id);
    if (c === undefined) throw new DemoAbort(`${node.name} no longer knows transaction ${id}: did another wallet spend the same coin?`);
    if (c > 0) return c;
    const [hash] = await node.mine(1, MINER_ACCOUNT);
    n.say(`(mined block ${hash.slice(0, 16)}… on ${node.name}, reward to account ${MINER_ACCOUNT})`);
  }
  throw new DemoAbort(`transaction ${id} is still waiting after three blocks: ${node.name}'s pool keeps it out of its blocks`);
}

/**
 * Prints each account's balance as the node reports it, all read at one tip
 * (a devnet miner may add a block meanwhile). Returns false if any were below
 * zero, which the ledger cannot even express.
 */
export async function showBalances(node: DemoNode, n: Narrator, accounts: readonly number[], label = node.name): Promise<boolean> {
  let infos: AddressInfo[] = [];
  for (let tries = 0; tries < 5; tries++) {
    const before = (await node.tip()).hash;
    infos = await Promise.all(accounts.map((a) => node.addressInfo(a)));
    if ((await node.tip()).hash === before) break;
  }
  let allNonNegative = true;
  accounts.forEach((a, k) => {
    const i = infos[k];
    const parts = [`spendable ${formatCoins(i.spendable)}`];
    if (i.spending > 0n) parts.push(`being spent ${formatCoins(i.spending)}`);
    if (i.immature > 0n) parts.push(`immature ${formatCoins(i.immature)}`);
    if (i.pending > 0n) parts.push(`arriving ${formatCoins(i.pending)}`);
    if (i.balance < 0n || i.spendable < 0n) allNonNegative = false;
    n.say(`${label}: account ${a}  ${coins(i.balance).padStart(22)} confirmed  (${parts.join(", ")})`);
  });
  return allNonNegative;
}
