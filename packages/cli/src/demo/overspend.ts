import { COIN } from "@utxolab/core";
import { coins, unitsAndCoins } from "./narrator.js";
import { accountAddress, type DemoCoin, showRefusal } from "./nodes.js";
import { relayFee, showBalances, signedPayment } from "./payments.js";
import type { Demo } from "./types.js";

/** More inputs than this make an unwieldy transaction to show a room. */
const MAX_INPUTS = 50;

export const overspend: Demo = {
  name: "overspend",
  summary: "an account pays more than it has: refused with bad-txns-in-belowout; its exact balance minus a fee goes through",
  nodes: 1,
  steps: 5,
  async run({ nodes: [node], n }) {
    await n.step("Pick an account and look at what it owns.");
    let payer: { account: number; coins: DemoCoin[] } | undefined;
    for (const account of [1, 2, 3, 4, 5, 6, 7, 8, 0, 9]) {
      const info = await node.addressInfo(account);
      const total = info.coins.reduce((s, c) => s + c.value, 0n);
      if (total < COIN) continue;
      if (!payer || info.coins.length < payer.coins.length) payer = { account, coins: info.coins };
      if (info.coins.length === 1) break;
    }
    if (!payer) {
      n.expect(false, "some devnet account can spend at least 1 coin");
      return;
    }
    const from = payer.account;
    const to = from === 9 ? 1 : (from + 1) % 9;
    const spent = payer.coins.slice(0, MAX_INPUTS);
    const have = spent.reduce((s, c) => s + c.value, 0n);
    n.say(`Account ${from} (${accountAddress(from)})`);
    n.say(
      `owns ${spent.length} unspent output(s) worth ${coins(have)} in all${payer.coins.length > spent.length ? ` (its first ${MAX_INPUTS}; it has more)` : ""}:`,
    );
    for (const c of spent.slice(0, 5)) n.say(`  ${c.txid}:${c.vout}  ${coins(c.value)}`);
    if (spent.length > 5) n.say(`  … and ${spent.length - 5} more`);
    n.say("On a UTXO ledger a balance is not a number kept somewhere: it is the sum of the");
    n.say("unspent outputs this key can sign for. A payment names the outputs it spends.");

    await n.step(`Account ${from} tries to pay ${coins(have + COIN)} (one coin more than it has) to account ${to}.`);
    const tooMuch = signedPayment(spent, [{ to, value: have + COIN }]);
    n.say("The transaction is well formed and every signature is genuine: only the sum is wrong.");
    const r1 = await node.send(tooMuch);
    n.ledger(r1.ok ? `accepted ${r1.txid}` : showRefusal(r1));
    if (n.expect(!r1.ok && r1.reason === "bad-txns-in-belowout", "refused with bad-txns-in-belowout") && !r1.ok) {
      n.expect(r1.detail === `in ${have} < out ${have + COIN}`, `the node names both sums: in ${have} < out ${have + COIN}`);
      n.say(`In: ${unitsAndCoins(have)}. Out: ${unitsAndCoins(have + COIN)}.`);
      n.say("The inputs must cover the outputs. There is no credit line to check and no overdraft");
      n.say("to refuse: a payment of more than its inputs hold cannot be valid at all.");
    }
    const after = await node.addressInfo(from);
    n.expect(after.balance >= have, `account ${from} still owns its ${coins(have)}`);

    const fee = relayFee(spent.length, 1);
    await n.step(`Account ${from} pays exactly what it has minus a fee: ${coins(have - fee)} to account ${to}.`);
    n.say(`The fee is what the inputs hold beyond the outputs: ${unitsAndCoins(fee)}, 1 unit per byte; the miner collects it.`);
    const exact = signedPayment(spent, [{ to, value: have - fee }]);
    const r2 = await node.send(exact);
    n.ledger(r2.ok ? `accepted, txid ${r2.txid}` : showRefusal(r2));
    n.expect(r2.ok, "the exact balance minus the fee is accepted");

    await n.step("Balances now (confirmed, and what waits in the pool for a block):");
    n.expect(await showBalances(node, n, [from, to]), "no balance is below zero");
    n.say(`Account ${from} is down to what it did not spend; it cannot go lower than zero, because there`);
    n.say("is nothing left to put in a transaction's inputs.");
  },
};
