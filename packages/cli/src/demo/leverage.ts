import { type Amount, COIN, formatCoins, type Hash } from "@utxolab/core";
import { DUST_LIMIT } from "@utxolab/wallet";
import { coins } from "./narrator.js";
import { accountAddress, type DemoCoin, showRefusal } from "./nodes.js";
import { confirm, findCoin, payWithChange, relayFee, showBalances, signedPayment } from "./payments.js";
import type { Demo } from "./types.js";

/** Dollars are kept as whole cents (bigint): off the ledger, money is still not a float. */
type Cents = bigint;

export function dollars(c: Cents): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  const whole = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}$${whole}.${(a % 100n).toString().padStart(2, "0")}`;
}

/** Value of `units` at `price` cents per coin, rounded down to the cent. */
export const worthAt = (units: bigint, price: Cents): Cents => (units * price) / COIN;

/** Units worth at least `debt` at `price` (rounded up: the lender is made whole). */
export const unitsToCover = (debt: Cents, price: Cents): bigint => (debt * COIN + price - 1n) / price;

/** The loan: a record the trader and the lender keep between themselves. The ledger never sees it. */
interface Loan {
  trader: string;
  lender: string;
  collateral: { outpoint: string; units: Amount };
  debt: Cents;
  /** liquidate when collateral value < debt × this / 100 */
  maintenancePercent: bigint;
  status: "open" | "liquidated";
  liquidation?: { txid: Hash; paidUnits: bigint; price: Cents; recovered: Cents; unpaid: Cents };
}

const showLoan = (l: Loan): string =>
  JSON.stringify(
    {
      trader: l.trader,
      lender: l.lender,
      collateral: { outpoint: l.collateral.outpoint, units: l.collateral.units.toString() },
      debt: dollars(l.debt),
      liquidateBelow: `${l.maintenancePercent}% of the debt`,
      status: l.status,
      ...(l.liquidation
        ? {
            liquidation: {
              txid: l.liquidation.txid,
              paidUnits: l.liquidation.paidUnits.toString(),
              price: `${dollars(l.liquidation.price)} per coin`,
              recovered: dollars(l.liquidation.recovered),
              unpaid: dollars(l.liquidation.unpaid),
            },
          }
        : {}),
    },
    null,
    2,
  );

const COLLATERAL = 10n * COIN;
const OPEN_PRICE: Cents = 100_00n;
const LOAN: Cents = 700_00n;
/** The price path: a slide, then a gap down past the liquidation level before anyone can act. */
const PRICES: Cents[] = [90_00n, 80_00n, 60_00n];

export const leverage: Demo = {
  name: "leverage",
  summary:
    "a margin loan kept off the ledger goes underwater as the price falls; liquidation is an ordinary payment; no balance is ever negative",
  nodes: 1,
  steps: 7,
  async run({ nodes: [node], n }) {
    const funding = await findCoin(node, COLLATERAL + relayFee(1, 2) + DUST_LIMIT, { prefer: [3] });
    const trader = funding.account;
    const lender = trader === 4 ? 5 : 4;
    const parties = [trader, lender];

    await n.step(`The trader is account ${trader}, the lender is account ${lender}.`);
    n.expect(await showBalances(node, n, parties), "no balance is below zero");

    await n.step(`The trader sets aside ${coins(COLLATERAL)} as collateral: a payment to itself that makes one output of exactly that.`);
    const setAside = payWithChange(funding, trader, COLLATERAL);
    const r0 = await node.send(setAside);
    n.ledger(r0.ok ? `accepted, txid ${r0.txid}` : showRefusal(r0));
    if (!n.expect(r0.ok, "the set-aside payment is accepted") || !r0.ok) return;
    await confirm(node, n, r0.txid);
    const collateral: DemoCoin = { txid: r0.txid, vout: 0, value: COLLATERAL as Amount, height: 0, coinbase: false, account: trader };
    n.say(`Output ${r0.txid}:0 holds ${coins(COLLATERAL)} and still belongs to the trader: only the trader's key`);
    n.say("can spend it. This ledger has no scripts, so nothing on it can lock the coins for the lender;");
    n.say("a real desk would hold them in escrow or under a 2-of-2 key. Here the demo plays a custodial");
    n.say("desk that holds the trader's key, as exchanges do.");

    const loan: Loan = {
      trader: accountAddress(trader),
      lender: accountAddress(lender),
      collateral: { outpoint: `${r0.txid}:0`, units: COLLATERAL as Amount },
      debt: LOAN,
      maintenancePercent: 110n,
      status: "open",
    };
    const limit = (loan.debt * loan.maintenancePercent) / 100n;
    await n.step(`The lender lends the trader ${dollars(LOAN)} against it, with the coin at ${dollars(OPEN_PRICE)}.`);
    n.say(
      `Collateral worth ${dollars(worthAt(COLLATERAL, OPEN_PRICE))}, debt ${dollars(LOAN)}. If the collateral falls below ${loan.maintenancePercent}% of the debt (${dollars(limit)}),`,
    );
    n.say("the desk sells it to the lender. The loan is a record kept off the ledger:");
    n.say(showLoan(loan));
    n.say("On the ledger nothing changed: there is no field for a debt, only outputs with an amount and a key.");
    n.expect(await showBalances(node, n, parties), "no balance is below zero");

    for (const price of PRICES) {
      const value = worthAt(COLLATERAL, price);
      const equity = value - loan.debt;
      await n.step(`The price moves to ${dollars(price)} per coin.`);
      n.say(`Collateral ${dollars(value)}, debt ${dollars(loan.debt)}, trader's equity ${dollars(equity)}.`);
      if (equity < 0n) {
        n.say(`The position is UNDERWATER: the trader owes ${dollars(-equity)} more than the collateral is worth.`);
        n.say("That negative number exists only in the loan record. On the ledger the trader's output still");
        n.say(`holds ${coins(COLLATERAL)}: an amount is a u64, never below zero.`);
      } else if (value < limit) n.say(`Below the ${dollars(limit)} line: time to liquidate.`);
      else n.say(`Still above the ${dollars(limit)} line.`);
      n.expect(await showBalances(node, n, parties), "no balance is below zero");
      if (value >= limit) continue;

      await n.step(`Liquidation at ${dollars(price)}: the desk pays the trader's collateral to the lender, an ordinary payment.`);
      const fee = relayFee(1, 2);
      const needed = unitsToCover(loan.debt, price);
      const paid = needed + fee + DUST_LIMIT <= COLLATERAL ? needed : COLLATERAL - relayFee(1, 1);
      const back = COLLATERAL - paid - (paid === needed ? fee : relayFee(1, 1));
      n.say(
        paid === needed
          ? `${formatCoins(needed)} coins cover the debt at this price; the rest goes back to the trader.`
          : `Covering ${dollars(loan.debt)} would take ${coins(needed)}, more than the ${coins(COLLATERAL)} pledged: all of it goes.`,
      );
      const liquidation = signedPayment(
        [collateral],
        back > 0n
          ? [
              { to: lender, value: paid },
              { to: trader, value: back },
            ]
          : [{ to: lender, value: paid }],
      );
      const r = await node.send(liquidation);
      n.ledger(r.ok ? `accepted, txid ${r.txid}` : showRefusal(r));
      if (!n.expect(r.ok, "the liquidation is accepted like any payment") || !r.ok) return;
      await confirm(node, n, r.txid);
      const recovered = worthAt(paid, price);
      const unpaid = loan.debt > recovered ? loan.debt - recovered : 0n;
      loan.status = "liquidated";
      loan.liquidation = { txid: r.txid, paidUnits: paid, price, recovered, unpaid };
      n.say(`The lender received ${coins(paid)}, worth ${dollars(recovered)} at ${dollars(price)}.`);
      n.say("The loan record after the liquidation:");
      n.say(showLoan(loan));
      const spent = await node.call("gettxout", [r0.txid, 0]);
      n.expect(spent === null, `the collateral output ${r0.txid}:0 is spent`);
      if (unpaid > 0n) {
        n.say(`${dollars(unpaid)} of the loan is unpaid: the lender's loss, or a claim against the trader in`);
        n.say('a court. Either way it lives off the ledger. The ledger cannot record "the trader owes":');
        n.say("it only moves coins that exist, signed by their owner.");
      }
      break;
    }

    await n.step("Balances after the liquidation:");
    n.expect(loan.status === "liquidated", "the loan was liquidated when the price fell below its line");
    n.expect(await showBalances(node, n, parties), "no balance is below zero, though the trader still owes money");
  },
};
