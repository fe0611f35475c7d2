import { COIN } from "@utxolab/core";
import { coins } from "./narrator.js";
import { showRefusal } from "./nodes.js";
import { confirm, findCoin, payWithChange, relayFee, showBalances } from "./payments.js";
import type { Demo } from "./types.js";

export const doubleSpend: Demo = {
  name: "double-spend",
  summary: "one coin spent twice: txn-mempool-conflict while the first waits, bad-txns-inputs-missingorspent once it is in a block",
  nodes: 1,
  steps: 7,
  async run({ nodes: [node], n }) {
    await n.step("Pick a coin to spend twice.");
    const coin = await findCoin(node, 2n * COIN + relayFee(1, 2), { prefer: [2, 3, 4] });
    const [first, second] = [1, 2, 3, 4, 5, 6, 7, 8, 0].filter((a) => a !== coin.account);
    n.say(`Account ${coin.account} owns output ${coin.txid}:${coin.vout} worth ${coins(coin.value)}.`);

    await n.step(`Write two payments from that same output: 1 coin to account ${first}, and 1 coin to account ${second}.`);
    const payA = payWithChange(coin, first, COIN);
    const payB = payWithChange(coin, second, COIN);
    n.say("Both are signed by the owner and both are valid on their own. Only one can happen.");

    await n.step(`Send both to ${node.name} at the same moment (one request, so no block can come in between).`);
    const [ra, rb] = await node.sendTogether([payA, payB]);
    n.ledger(ra.ok ? `accepted, txid ${ra.txid}` : showRefusal(ra), `payment to account ${first}: the node`);
    n.ledger(rb.ok ? `accepted, txid ${rb.txid}` : showRefusal(rb), `payment to account ${second}: the node`);
    if (!n.expect(ra.ok, "the first payment is accepted into the pool") || !ra.ok) return;
    n.expect(!rb.ok && rb.reason === "txn-mempool-conflict", "the second is refused with txn-mempool-conflict");
    n.say("The pool already holds a payment that spends this output. The first one seen stays;");
    n.say("nothing replaces it (this node has no replace-by-fee).");

    await n.step("Let the first payment be confirmed in a block.");
    const c = await confirm(node, n, ra.txid);
    const tx = await node.call<{ blockHeight?: number }>("getrawtransaction", [ra.txid, true]);
    n.say(`The payment to account ${first} is in the block at height ${tx.blockHeight} (${c} confirmation${c === 1 ? "" : "s"}).`);

    await n.step(`Send the payment to account ${second} again.`);
    const again = await node.send(payB);
    n.ledger(again.ok ? `accepted, txid ${again.txid}` : showRefusal(again));
    n.expect(!again.ok && again.reason === "bad-txns-inputs-missingorspent", "refused with bad-txns-inputs-missingorspent");
    n.say("The output is no longer in the set of unspent outputs: the block spent it. An output is");
    n.say("spent once and then it is gone, for every node that follows this chain.");

    await n.step("Balances:");
    n.expect(await showBalances(node, n, [coin.account, first, second]), "no balance is below zero");
  },
};
