import type { Amount } from "@utxolab/core";
import { DUST_LIMIT } from "./fees.js";
import { type Plan, type PlanResult, planWithInputs, selectCoins, sweep, type Valued } from "./select.js";

/** A coin a payment may spend: its value and the key (hex) that locks it. */
export interface PayCoin extends Valued {
  readonly pubkey: string;
}

export interface PaymentOrder<C extends PayCoin> {
  /** the confirmed, spendable coins to choose from; with `inputsGiven`, exactly the coins to spend */
  readonly coins: readonly C[];
  /** the wallet's own unconfirmed change: used only when `coins` are not enough, as Core does */
  readonly ownPending: readonly C[];
  /** `coins` were named by the person (`--from`): all of them are spent and nothing else */
  readonly inputsGiven: boolean;
  /** what the payee gets, or `max`: everything, no change */
  readonly amount: Amount | "max";
  /** units per byte */
  readonly feeRate: bigint;
  /** the fee comes out of `amount` instead of on top of it */
  readonly subtractFee: boolean;
  /** no output is made below this; change that would be dust goes to the fee */
  readonly dust?: bigint;
  /** keys anyone may hold (the public devnet accounts): pubkey hex → account number */
  readonly publicKeys: ReadonlyMap<string, number>;
}

/** A payment ready to build: one output to the payee, change when `change > 0`. */
export interface PaymentPlan<C extends PayCoin> extends Plan<C> {
  readonly ok: true;
  /** coins `max` left out because one transaction holds at most `inputs.length` */
  readonly leftOut: number;
  /**
   * The public accounts whose coins it takes whole, with no change back (`max`, or an amount
   * that uses the coins up): on a shared devnet that empties what the whole room holds, so a
   * person confirms first. Empty when there is nothing to ask.
   */
  readonly askFirst: readonly number[];
}

/** Why the coins cannot pay: not enough, the payee's output would be dust, or too many inputs for one transaction. */
export type PaymentRefusal = Exclude<PlanResult<PayCoin>, { ok: true }>;

export type PaymentResult<C extends PayCoin> = PaymentPlan<C> | PaymentRefusal;

/**
 * Plans a payment: which coins it spends, the fee, the change, and whether a person must
 * confirm it first. Pure: the same order always gives the same plan, with no I/O.
 */
export function planPayment<C extends PayCoin>(order: PaymentOrder<C>): PaymentResult<C> {
  const dust = order.dust ?? DUST_LIMIT;
  const coins = [...order.coins];
  const withChange = order.inputsGiven ? coins : [...coins, ...order.ownPending];
  let plan: PlanResult<C> | (Plan<C> & { ok: true; leftOut: number }) | PaymentRefusal;
  if (order.amount === "max") plan = sweep(withChange, order.feeRate, dust, order.inputsGiven);
  else {
    const req = { amount: order.amount, feeRate: order.feeRate, subtractFee: order.subtractFee, dust };
    plan = order.inputsGiven ? planWithInputs(coins, req) : selectCoins(coins, req);
    if (!plan.ok && plan.kind === "insufficient" && withChange.length > coins.length) plan = selectCoins(withChange, req);
  }
  if (!plan.ok) return plan;
  const whole = order.amount === "max" || plan.change === 0n;
  const shared = whole
    ? plan.inputs.flatMap((c) => (order.publicKeys.has(c.pubkey) ? [order.publicKeys.get(c.pubkey) as number] : []))
    : [];
  return { leftOut: 0, ...plan, askFirst: [...new Set(shared)].sort((a, b) => a - b) };
}
