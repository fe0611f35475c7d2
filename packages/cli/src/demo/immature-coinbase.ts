import { type Amount, DEVNET, type Hash } from "@utxolab/core";
import { DUST_LIMIT } from "@utxolab/wallet";
import { coins, type Narrator } from "./narrator.js";
import { type DemoCoin, type DemoNode, type SendResult, showRefusal } from "./nodes.js";
import { findCoin, MINER_ACCOUNT, relayFee, showBalances, signedPayment } from "./payments.js";
import type { Demo } from "./types.js";

const MINER = 7;
const PAYEE = 6;

/** Mines (to the devnet miner's account) until the tip is at `height`; a devnet miner may already have gone further. */
async function mineTo(node: DemoNode, n: Narrator, height: number): Promise<void> {
  const tip = await node.height();
  if (tip >= height) return;
  await node.mine(height - tip, MINER_ACCOUNT);
  n.say(`(mined ${height - tip} block${height - tip === 1 ? "" : "s"} on ${node.name}, rewards to account ${MINER_ACCOUNT})`);
}

export const immatureCoinbase: Demo = {
  name: "immature-coinbase",
  summary: "a block reward spent at once: bad-txns-premature-spend-of-coinbase with the heights; accepted once 10 blocks deep",
  nodes: 1,
  steps: 6,
  async run({ nodes: [node], n }) {
    const maturity = DEVNET.coinbaseMaturity;
    await n.step(`Mine one block whose reward goes to account ${MINER}.`);
    const [hash] = await node.mine(1, MINER);
    const block = await node.call<{ height: number; txids: Hash[] }>("getblock", [hash, true]);
    const c = block.height;
    const out = await node.call<{ value: string } | null>("gettxout", [block.txids[0], 0]);
    if (!n.expect(out !== null, `${node.name} shows the reward of block ${c} unspent`) || !out) return;
    const reward: DemoCoin = {
      txid: block.txids[0],
      vout: 0,
      value: BigInt(out.value) as Amount,
      height: c,
      coinbase: true,
      account: MINER,
    };
    n.say(`Block ${c} (${hash.slice(0, 16)}…) pays ${coins(reward.value)} of new coins to account ${MINER}.`);
    n.say(`The rule: a block reward made at height ${c} may only be spent in a block at height ${c} + ${maturity} = ${c + maturity}`);
    n.say("or later. Until then a reorganization could drop the block, and the coins would vanish");
    n.say("together with every payment built on them.");

    // A reward too small to pay a relayed fee (after many halvings) is topped up by another coin.
    const fee = relayFee(2, 1);
    const extra = reward.value < fee + DUST_LIMIT ? [await findCoin(node, fee + DUST_LIMIT, { prefer: [MINER] })] : [];
    const inputs = [reward, ...extra];
    const pay = signedPayment(inputs, [{ to: PAYEE, value: inputs.reduce((s, i) => s + i.value, 0n) - fee }]);
    if (extra.length) n.say(`(The reward is tiny this late in the chain; a coin of account ${extra[0].account} joins it to pay the fee.)`);

    /** The node's answer must match the rule at the height the spend would be mined in. */
    const tryAt = async (label: string): Promise<SendResult> => {
      const tip = await node.height();
      const spendHeight = tip + 1;
      n.say(`The tip is at height ${tip}, so this payment could be in block ${spendHeight}.`);
      const r = await node.send(pay);
      n.ledger(r.ok ? `accepted, txid ${r.txid}` : showRefusal(r));
      if (spendHeight < c + maturity) {
        n.expect(
          !r.ok && r.reason === "bad-txns-premature-spend-of-coinbase",
          `${label}: refused with bad-txns-premature-spend-of-coinbase`,
        );
        n.expect(
          !r.ok &&
            r.detail === `input 0 spends a coinbase output from height ${c}, spendable from height ${c + maturity}, not ${spendHeight}`,
          `the node gives the heights: made at ${c}, spendable from ${c + maturity}, not ${spendHeight}`,
        );
      } else {
        // an earlier try may already have gone in, if a devnet miner moved the tip meanwhile
        const already = !r.ok && (r.reason === "txn-already-in-mempool" || r.reason === "txn-already-known");
        n.expect(r.ok || already, `${label}: accepted, since block ${spendHeight} is at least ${c + maturity}`);
      }
      return r;
    };

    await n.step(`Account ${MINER} spends that reward at once, paying it to account ${PAYEE}.`);
    await tryAt("at once");

    await n.step(`Mine blocks until the tip is at height ${c + maturity - 2}, and try again: one block short.`);
    await mineTo(node, n, c + maturity - 2);
    await tryAt("one block short");

    await n.step(`Mine one more block: the next block is at height ${c + maturity} and the reward is mature.`);
    await mineTo(node, n, c + maturity - 1);
    const r = await tryAt("mature");

    await n.step("Balances:");
    n.expect(await showBalances(node, n, [MINER, PAYEE]), "no balance is below zero");
    if (r.ok) {
      const conf = await node.confirmations(r.txid);
      n.say(
        conf
          ? `The payment is in a block already (${conf} confirmation${conf === 1 ? "" : "s"}): the reward now belongs to account ${PAYEE}.`
          : `Account ${PAYEE}'s new coins arrive with the next block.`,
      );
    }
  },
};
