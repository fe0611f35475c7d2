import type { Amount } from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { DUST_LIMIT, feeFor, maxInputsFor } from "../src/fees.js";
import { type PayCoin, type PaymentOrder, planPayment } from "../src/pay.js";

interface Coin extends PayCoin {
  id: string;
}
const PUBLIC = "aa".repeat(32);
const OTHER_PUBLIC = "bb".repeat(32);
const MINE = "cc".repeat(32);
const publicKeys = new Map([
  [PUBLIC, 3],
  [OTHER_PUBLIC, 1],
]);
const coin = (id: string, value: bigint, pubkey = MINE): Coin => ({ id, value: value as Amount, pubkey });
const order = (o: Partial<PaymentOrder<Coin>> & Pick<PaymentOrder<Coin>, "coins" | "amount">): PaymentOrder<Coin> => ({
  ownPending: [],
  inputsGiven: false,
  feeRate: 1n,
  subtractFee: false,
  publicKeys,
  ...o,
});
const ids = (cs: readonly Coin[]) => cs.map((c) => c.id).sort();

describe("planPayment", () => {
  it("pays with change back and asks nothing, even from public coins, when coins are not taken whole", () => {
    const plan = planPayment(order({ coins: [coin("a", 10_000n, PUBLIC)], amount: 1_000n as Amount }));
    expect(plan).toMatchObject({ ok: true, payee: 1_000n, fee: feeFor(1, 2, 1n), leftOut: 0, askFirst: [] });
    if (!plan.ok) throw new Error("planned");
    expect(plan.change).toBe(10_000n - 1_000n - feeFor(1, 2, 1n));
  });

  it("a payment that takes public devnet coins whole (no change back) asks first, naming their accounts", () => {
    const fee = feeFor(2, 1, 1n);
    const coins = [coin("a", 5_000n, PUBLIC), coin("b", 4_000n, OTHER_PUBLIC)];
    const plan = planPayment(order({ coins, amount: (9_000n - fee) as Amount }));
    expect(plan).toMatchObject({ ok: true, change: 0n, askFirst: [1, 3] });
    // the same payment from the wallet's own keys asks nothing
    const own = planPayment(order({ coins: [coin("a", 5_000n), coin("b", 4_000n)], amount: (9_000n - fee) as Amount }));
    expect(own).toMatchObject({ ok: true, change: 0n, askFirst: [] });
  });

  it("max takes everything with no change; from public keys it asks first", () => {
    const plan = planPayment(order({ coins: [coin("a", 5_000n, PUBLIC), coin("b", 4_000n)], amount: "max" }));
    expect(plan).toMatchObject({ ok: true, payee: 9_000n - feeFor(2, 1, 1n), change: 0n, askFirst: [3] });
    expect(planPayment(order({ coins: [coin("b", 4_000n)], amount: "max" }))).toMatchObject({ ok: true, askFirst: [] });
  });

  it("spends the wallet's own unconfirmed change only when confirmed coins are not enough, as Core", () => {
    const ownPending = [coin("change", 50_000n)];
    const enough = planPayment(order({ coins: [coin("a", 20_000n)], ownPending, amount: 5_000n as Amount }));
    expect(enough.ok && ids(enough.inputs)).toEqual(["a"]);
    const short = planPayment(order({ coins: [coin("a", 2_000n)], ownPending, amount: 5_000n as Amount }));
    expect(short.ok && ids(short.inputs)).toContain("change");
  });

  it("with named inputs (--from) spends exactly them and never the unconfirmed change", () => {
    const coins = [coin("a", 3_000n), coin("b", 3_000n)];
    const plan = planPayment(order({ coins, inputsGiven: true, ownPending: [coin("change", 1_000_000n)], amount: 1_000n as Amount }));
    expect(plan.ok && ids(plan.inputs)).toEqual(["a", "b"]);
    const short = planPayment(order({ coins, inputsGiven: true, ownPending: [coin("change", 1_000_000n)], amount: 6_000n as Amount }));
    expect(short).toMatchObject({ ok: false, kind: "insufficient", available: 6_000n });
  });

  it("refuses with a typed reason: insufficient funds, a payee output below dust, too many inputs", () => {
    expect(planPayment(order({ coins: [coin("a", 1_000n)], amount: 5_000n as Amount }))).toMatchObject({
      ok: false,
      kind: "insufficient",
      available: 1_000n,
      required: 5_000n + feeFor(1, 1, 1n),
    });
    const small = DUST_LIMIT + 10n;
    expect(planPayment(order({ coins: [coin("a", 100_000n)], amount: small as Amount, subtractFee: true }))).toMatchObject({
      ok: false,
      kind: "payee-dust",
      dust: DUST_LIMIT,
    });
    // `max` coins are short of the amount once their fees are paid; a few more would pay it, but no transaction holds them
    const max = maxInputsFor(2);
    const many = Array.from({ length: max + 5 }, (_, i) => coin(`c${i}`, 100_000n));
    expect(planPayment(order({ coins: many, amount: (100_000n * BigInt(max)) as Amount }))).toMatchObject({
      ok: false,
      kind: "too-large",
      maxInputs: max,
    });
  });

  it("is pure: the same order gives the same plan and leaves its coins as they were", () => {
    const coins = Object.freeze([coin("a", 5_000n, PUBLIC), coin("b", 7_000n), coin("c", 900n)]);
    const o = order({ coins, amount: "max" });
    expect(planPayment(o)).toEqual(planPayment(o));
    expect(coins.map((c) => c.id)).toEqual(["a", "b", "c"]);
  });
});
