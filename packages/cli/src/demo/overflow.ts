import { COIN, MAX_MONEY } from "@utxolab/core";
import { coins, unitsAndCoins } from "./narrator.js";
import { showRefusal } from "./nodes.js";
import { findCoin, showBalances, signedPayment } from "./payments.js";
import type { Demo } from "./types.js";

const TWO_64 = 1n << 64n;

/**
 * Outputs each at most MAX_MONEY whose true sum is 2^64 + 1 coin: a node adding
 * them in 64-bit integers would see 1 coin.
 */
export function wrappingOutputs(): bigint[] {
  const full = TWO_64 / MAX_MONEY;
  const last = TWO_64 + COIN - full * MAX_MONEY;
  return [...Array.from({ length: Number(full) }, () => MAX_MONEY as bigint), last];
}

export const overflow: Demo = {
  name: "overflow",
  summary:
    "outputs that each stay under MAX_MONEY but add up past it: bad-txns-txouttotal-toolarge, and the 2^64 wraparound that rule prevents",
  nodes: 1,
  steps: 5,
  async run({ nodes: [node], n }) {
    const coin = await findCoin(node, COIN, { prefer: [3, 4] });
    const to = coin.account === 4 ? 5 : 4;

    await n.step("Two limits on amounts.");
    n.say(`MAX_MONEY, all the coins there will ever be: ${unitsAndCoins(MAX_MONEY)}.`);
    n.say(`A u64 on the wire holds at most 2^64 - 1 = ${TWO_64 - 1n} units, about 8,784 times MAX_MONEY.`);
    n.say("Every output must be at most MAX_MONEY, and so must the sum of a transaction's outputs.");

    const half = 15_000_000n * COIN;
    await n.step(`Account ${coin.account} writes two outputs of ${coins(half)} each to account ${to}: each is under MAX_MONEY.`);
    n.say(`It spends one coin of ${coins(coin.value)}; the sum of outputs is ${coins(2n * half)}.`);
    const r1 = await node.send(
      signedPayment(
        [coin],
        [
          { to, value: half },
          { to, value: half },
        ],
      ),
    );
    n.ledger(r1.ok ? `accepted, txid ${r1.txid}` : showRefusal(r1));
    n.expect(!r1.ok && r1.reason === "bad-txns-txouttotal-toolarge", "refused with bad-txns-txouttotal-toolarge");
    n.say("No ledger can pay out more than there will ever be, whatever the inputs. This rule needs no");
    n.say("lookup at all, so the node checks it before it even looks for the coin being spent.");

    const outs = wrappingOutputs();
    const trueSum = outs.reduce((s, v) => s + v, 0n);
    const wrapped = BigInt.asUintN(64, trueSum);
    await n.step("Why the total needs its own rule: 64-bit wraparound.");
    n.say("In August 2010 a Bitcoin transaction paid two outputs of 92,233,720,368.54277039 BTC each.");
    n.say("Added up in 64-bit integers the total wrapped past the top and came out below zero, so");
    n.say('"inputs cover outputs" passed, and 184 billion bitcoins appeared (CVE-2010-5139). The fix was');
    n.say("this very pair of rules: every output and the total stay within MAX_MONEY.");
    n.say("");
    n.say(`The limit on each output alone is not enough. Here are ${outs.length} outputs, each at most MAX_MONEY:`);
    n.say(`${outs.length - 1} of ${coins(MAX_MONEY)} and one of ${coins(outs[outs.length - 1])}.`);
    n.say(`Their true sum is ${trueSum} units, just past 2^64 = ${TWO_64}.`);
    n.say(`Added in 64-bit integers it wraps around to ${wrapped} units: ${coins(wrapped)}.`);
    n.say(`A node that summed that way would let an input of ${coins(coin.value)} "cover" them.`);
    const big = signedPayment(
      [coin],
      outs.map((value) => ({ to, value })),
    );
    n.say(`Account ${coin.account} signs it and sends it (about ${Math.round((outs.length * 40) / 1000)} kB).`);
    const r2 = await node.send(big);
    n.ledger(r2.ok ? `accepted, txid ${r2.txid}` : showRefusal(r2));
    n.expect(!r2.ok && r2.reason === "bad-txns-txouttotal-toolarge", "refused with bad-txns-txouttotal-toolarge");
    n.expect(!r2.ok && (r2.detail ?? "").includes(trueSum.toString()), `the node reports the true sum ${trueSum}, not a wrapped one`);
    n.say("This node adds amounts as exact integers (bigint), so the total it sees is the true total,");
    n.say("and the cap keeps every sum of a transaction's outputs far below 2^64.");

    await n.step("Balances (nothing moved):");
    n.expect(await showBalances(node, n, [coin.account, to]), "no balance is below zero");
  },
};
