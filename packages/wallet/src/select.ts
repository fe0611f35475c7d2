import type { Amount } from "@utxolab/core";
import { DUST_LIMIT, feeFor, INPUT_SIZE, maxInputsFor, txSizeFor } from "./fees.js";

export interface Valued {
  value: Amount;
}

export interface PaymentRequest {
  /** what the payee gets; with `subtractFee` the fee is taken out of it */
  amount: Amount;
  feeRate: bigint;
  subtractFee?: boolean;
  dust?: bigint;
  /** inputs allowed in one transaction; default: what keeps it within the pool's size limit */
  maxInputs?: number;
}

/** A funded payment: one output to the payee and, when `change > 0`, one change output. */
export interface Plan<C extends Valued> {
  inputs: C[];
  payee: Amount;
  change: Amount;
  fee: Amount;
  size: number;
}

export type PlanResult<C extends Valued> =
  | ({ ok: true } & Plan<C>)
  | { ok: false; kind: "insufficient"; available: Amount; required: Amount; fee: Amount }
  | { ok: false; kind: "payee-dust"; payee: bigint; fee: Amount; dust: bigint }
  | { ok: false; kind: "too-large"; needed: number; maxInputs: number };

const sum = (cs: readonly Valued[]): bigint => cs.reduce((s, c) => s + c.value, 0n);

/**
 * The payment funded by exactly `inputs`: with change when the change would not
 * be dust, else without, the small excess going to the fee.
 */
export function planWithInputs<C extends Valued>(inputs: C[], req: PaymentRequest): PlanResult<C> {
  const dust = req.dust ?? DUST_LIMIT;
  const n = inputs.length;
  const total = sum(inputs);
  const sub = req.subtractFee === true;
  const feeOf = (nOut: number) => feeFor(n, nOut, req.feeRate);
  const finish = (nOut: number, change: bigint): PlanResult<C> => {
    const base = feeOf(nOut);
    const payee = sub ? req.amount - base : req.amount;
    if (payee < dust) return { ok: false, kind: "payee-dust", payee, fee: base, dust };
    return {
      ok: true,
      inputs,
      payee: payee as Amount,
      change: change as Amount,
      fee: (total - payee - change) as Amount,
      size: txSizeFor(n, nOut),
    };
  };
  if (n > 0) {
    const withChange = total - req.amount - (sub ? 0n : feeOf(2));
    if (withChange >= dust) return finish(2, withChange);
    const excess = total - req.amount - (sub ? 0n : feeOf(1));
    if (excess >= 0n) return finish(1, 0n);
  }
  const fee = feeFor(Math.max(n, 1), 1, req.feeRate);
  return { ok: false, kind: "insufficient", available: total as Amount, required: (req.amount + (sub ? 0n : fee)) as Amount, fee };
}

const MAX_TRIES = 100_000;

/**
 * Branch and bound over effective values (value minus the input's own fee):
 * a set whose excess over amount + base fee is at most one input's cost, so no
 * change output is needed and almost nothing is overpaid. Bounded; null if none.
 */
function changeless<C extends Valued>(coins: C[], req: PaymentRequest): C[] | null {
  const sub = req.subtractFee === true;
  const inputCost = BigInt(INPUT_SIZE) * req.feeRate;
  const eff = coins.map((c) => (sub ? c.value : c.value - inputCost));
  const order = eff.map((_, i) => i).filter((i) => eff[i] > 0n);
  order.sort((a, b) => (eff[b] > eff[a] ? 1 : eff[b] < eff[a] ? -1 : 0));
  const e = order.map((i) => eff[i]);
  const target = req.amount + (sub ? 0n : feeFor(0, 1, req.feeRate));
  const upper = target + inputCost;
  const n = e.length;
  const selected = new Uint8Array(n);
  const maxInputs = req.maxInputs ?? maxInputsFor(2);
  let count = 0;
  let remaining = e.reduce((s, v) => s + v, 0n);
  let curr = 0n;
  let depth = 0;
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    let back = false;
    if (curr + remaining < target || curr > upper || count > maxInputs) back = true;
    else if (curr >= target) {
      const picked: C[] = [];
      for (let i = 0; i < depth; i++) if (selected[i]) picked.push(coins[order[i]]);
      return picked;
    }
    if (back) {
      while (depth > 0 && !selected[depth - 1]) {
        depth--;
        remaining += e[depth];
      }
      if (depth === 0) return null;
      // The last included coin becomes excluded; it stays decided, so `remaining` keeps it out.
      selected[depth - 1] = 0;
      curr -= e[depth - 1];
      count--;
    } else {
      remaining -= e[depth];
      curr += e[depth];
      selected[depth] = 1;
      count++;
      depth++;
    }
  }
  return null;
}

const byValueDesc = (a: Valued, b: Valued) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0);

/**
 * Chooses inputs for a payment, in order of preference:
 * 1. a changeless set (branch and bound), overpaying by at most one input's cost;
 * 2. the smallest single coin that pays amount + fee and leaves non-dust change;
 * 3. the largest coins until non-dust change remains;
 * 4. when even every coin leaves only dust as change: the largest coins that
 *    cover amount + fee, the remainder going to the fee.
 */
export function selectCoins<C extends Valued>(coins: readonly C[], req: PaymentRequest): PlanResult<C> {
  const dust = req.dust ?? DUST_LIMIT;
  const sub = req.subtractFee === true;
  const inputCost = BigInt(INPUT_SIZE) * req.feeRate;
  // A coin worth no more than its own input's fee only lowers what the others can pay.
  const pool = sub ? [...coins] : coins.filter((c) => c.value > inputCost);
  const exact = changeless(pool, req);
  if (exact) {
    // With subtractFee a many-input changeless set can leave the payee dust where fewer inputs would not.
    const p = planWithInputs(exact, req);
    if (p.ok) return p;
  }
  const changeFor = (total: bigint, n: number) => total - req.amount - (sub ? 0n : feeFor(n, 2, req.feeRate));
  let single: C | undefined;
  for (const c of pool) {
    if (changeFor(c.value, 1) >= dust && (single === undefined || c.value < single.value)) single = c;
  }
  if (single) return planWithInputs([single], req);
  const desc = pool.sort(byValueDesc);
  const maxInputs = req.maxInputs ?? maxInputsFor(2);
  let total = 0n;
  for (let k = 0; k < Math.min(desc.length, maxInputs); k++) {
    total += desc[k].value;
    if (changeFor(total, k + 1) >= dust) return planWithInputs(desc.slice(0, k + 1), req);
  }
  total = 0n;
  for (let k = 0; k < desc.length; k++) {
    total += desc[k].value;
    if (total - req.amount - (sub ? 0n : feeFor(k + 1, 1, req.feeRate)) >= 0n) {
      if (k + 1 > maxInputs) return { ok: false, kind: "too-large", needed: k + 1, maxInputs };
      return planWithInputs(desc.slice(0, k + 1), req);
    }
  }
  const all = planWithInputs(desc, req);
  if (!all.ok && all.kind === "insufficient") return { ...all, available: sum(coins) as Amount };
  return all;
}

export type SweepResult<C extends Valued> =
  | ({ ok: true; leftOut: number } & Plan<C>)
  | { ok: false; kind: "insufficient"; available: Amount; required: Amount; fee: Amount };

/**
 * Everything to the payee, no change. Coins worth less than their own input's
 * fee are left out (spending them would only lower the amount sent), and so are
 * the smallest coins beyond what one transaction may hold (`leftOut` counts them).
 */
export function sweep<C extends Valued>(
  coins: readonly C[],
  feeRate: bigint,
  dust: bigint = DUST_LIMIT,
  keepAll = false,
  maxInputs = maxInputsFor(1),
): SweepResult<C> {
  const inputCost = BigInt(INPUT_SIZE) * feeRate;
  let inputs = keepAll ? [...coins] : coins.filter((c) => c.value > inputCost);
  let leftOut = 0;
  if (!keepAll && inputs.length > maxInputs) {
    leftOut = inputs.length - maxInputs;
    inputs = inputs.sort(byValueDesc).slice(0, maxInputs);
  }
  const total = sum(inputs);
  const fee = feeFor(Math.max(inputs.length, 1), 1, feeRate);
  const payee = total - fee;
  if (inputs.length === 0 || payee < dust) {
    return { ok: false, kind: "insufficient", available: sum(coins) as Amount, required: (fee + dust) as Amount, fee };
  }
  return { ok: true, inputs, payee: payee as Amount, change: 0n as Amount, fee, size: txSizeFor(inputs.length, 1), leftOut };
}
