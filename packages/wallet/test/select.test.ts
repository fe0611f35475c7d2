import type { Amount } from "@utxolab/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DUST_LIMIT, feeFor, INPUT_SIZE, MAX_STANDARD_TX_SIGS, MAX_STANDARD_TX_SIZE, maxInputsFor, txSizeFor } from "../src/fees.js";
import { planWithInputs, selectCoins, sweep } from "../src/select.js";

interface C {
  id: number;
  value: Amount;
}
const coinsOf = (values: bigint[]): C[] => values.map((v, id) => ({ id, value: v as Amount }));
const total = (cs: readonly C[]) => cs.reduce((s, c) => s + c.value, 0n);

const arbValue = fc.oneof(
  fc.bigInt({ min: 1n, max: 2_000n }),
  fc.bigInt({ min: 2_000n, max: 1_000_000n }),
  fc.bigInt({ min: 1_000_000n, max: 5_000_000_000n }),
);
/** Half the cases aim the amount at a subset of the coins, so that changeless sets exist to be found. */
const arbCase = fc
  .record({
    values: fc.array(arbValue, { minLength: 0, maxLength: 40 }),
    random: fc.bigInt({ min: 1n, max: 6_000_000_000n }),
    pick: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    slack: fc.bigInt({ min: 0n, max: 4_000n }),
    aimed: fc.boolean(),
    rate: fc.bigInt({ min: 0n, max: 30n }),
    subtract: fc.boolean(),
  })
  .map(({ values, random, pick, slack, aimed, rate, subtract }) => {
    const subset = values.filter((_, i) => pick[i]);
    const target = total(coinsOf(subset)) - (subtract ? 0n : feeFor(subset.length, 1, rate)) - slack;
    return { values, amount: aimed && target > 0n ? target : random, rate, subtract };
  });

describe("transaction size", () => {
  it("counts 101 bytes per signed input and 40 per output", () => {
    expect(txSizeFor(1, 1)).toBe(4 + 1 + 101 + 1 + 40 + 4);
    expect(txSizeFor(1, 2)).toBe(191);
    expect(txSizeFor(253, 1) - txSizeFor(252, 1)).toBe(101 + 2);
  });
});

describe("coin selection", () => {
  it("always covers amount + fee, never makes dust change, and overpays by at most one input's cost", () => {
    fc.assert(
      fc.property(arbCase, ({ values, amount, rate, subtract }) => {
        const coins = coinsOf(values);
        const req = { amount: amount as Amount, feeRate: rate, subtractFee: subtract };
        const r = selectCoins(coins, req);
        const inputCost = BigInt(INPUT_SIZE) * rate;
        const eligible = subtract ? coins : coins.filter((c) => c.value > inputCost);
        if (!r.ok) {
          if (r.kind === "payee-dust") {
            expect(r.payee).toBeLessThan(DUST_LIMIT);
            return;
          }
          // Every eligible coin only adds to the excess, so all of them together must fall short.
          const n = Math.max(eligible.length, 1);
          const best = total(eligible) - amount - (subtract ? 0n : feeFor(n, 1, rate));
          expect(best).toBeLessThan(0n);
          expect(r.available).toBe(total(coins));
          return;
        }
        const ids = r.inputs.map((c) => c.id);
        expect(new Set(ids).size).toBe(ids.length);
        const nOut = r.change > 0n ? 2 : 1;
        expect(r.size).toBe(txSizeFor(r.inputs.length, nOut));
        // Conservation: inputs pay exactly payee + change + fee.
        expect(total(r.inputs)).toBe(r.payee + r.change + r.fee);
        expect(r.payee).toBe(subtract ? amount - feeFor(r.inputs.length, nOut, rate) : amount);
        expect(r.payee).toBeGreaterThanOrEqual(DUST_LIMIT);
        if (r.change > 0n) expect(r.change).toBeGreaterThanOrEqual(DUST_LIMIT);
        const floor = BigInt(r.size) * rate;
        expect(r.fee).toBeGreaterThanOrEqual(floor);
        const overpay = r.fee - floor;
        if (overpay > inputCost) {
          // Only when even every coin could not leave non-dust change.
          expect(r.change).toBe(0n);
          const allChange = total(eligible) - amount - (subtract ? 0n : feeFor(eligible.length, 2, rate));
          expect(allChange).toBeLessThan(DUST_LIMIT);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("prefers a changeless set when one fits", () => {
    const rate = 1n;
    const amount = (50_000n - feeFor(1, 1, rate)) as Amount;
    const r = selectCoins(coinsOf([1_000_000n, 50_000n, 20_000n]), { amount, feeRate: rate });
    expect(r.ok && r.inputs.map((c) => c.value)).toEqual([50_000n]);
    expect(r.ok && r.change).toBe(0n);
    expect(r.ok && r.fee).toBe(feeFor(1, 1, rate));
  });

  it("combines coins without change when their sum fits within one input's cost", () => {
    const rate = 2n;
    const amount = (30_000n + 20_000n - feeFor(2, 1, rate) - 50n) as Amount;
    const r = selectCoins(coinsOf([90_000_000n, 30_000n, 20_000n, 7_000n]), { amount, feeRate: rate });
    expect(r.ok && r.inputs.map((c) => c.value).sort()).toEqual([20_000n, 30_000n]);
    expect(r.ok && r.fee).toBe(feeFor(2, 1, rate) + 50n);
  });

  it("pays from the smallest single coin that leaves real change", () => {
    const r = selectCoins(coinsOf([10_000_000n, 400_000n, 300_000n, 1_000n]), { amount: 250_000n as Amount, feeRate: 1n });
    expect(r.ok && r.inputs.map((c) => c.value)).toEqual([300_000n]);
    expect(r.ok && r.change).toBe(300_000n - 250_000n - feeFor(1, 2, 1n));
  });

  it("with --subtract-fee, a changeless pair that leaves the payee dust does not hide a coin that pays", () => {
    // 450 + 400 fit the changeless window, but two inputs cost 252 units: the payee would get 528 (< 546).
    // The 5,000-unit coin alone pays 780 - 191 = 589 with change.
    const r = selectCoins(coinsOf([450n, 400n, 5_000n]), { amount: 780n as Amount, feeRate: 1n, subtractFee: true });
    expect(r).toMatchObject({ ok: true, payee: 780n - feeFor(1, 2, 1n), change: 5_000n - 780n });
  });

  it("reports what is available and what is required when short", () => {
    const r = selectCoins(coinsOf([1_000n, 2_000n]), { amount: 5_000n as Amount, feeRate: 1n });
    expect(r).toMatchObject({ ok: false, kind: "insufficient", available: 3_000n, required: 5_000n + feeFor(2, 1, 1n) });
  });

  it("handles 5,000 coins quickly", () => {
    const values = Array.from({ length: 5_000 }, (_, i) => BigInt(10_000 + ((i * 7919) % 100_000)));
    const r = selectCoins(coinsOf(values), { amount: 5_345_678n as Amount, feeRate: 3n });
    expect(r.ok).toBe(true);
  });
});

describe("fixed inputs and sweeping", () => {
  it("uses exactly the given inputs, with change only when it is not dust", () => {
    const coins = coinsOf([100_000n]);
    const withChange = planWithInputs(coins, { amount: 50_000n as Amount, feeRate: 1n });
    expect(withChange).toMatchObject({ ok: true, change: 50_000n - feeFor(1, 2, 1n) });
    const noChange = planWithInputs(coins, { amount: (100_000n - 300n) as Amount, feeRate: 1n });
    expect(noChange).toMatchObject({ ok: true, change: 0n, fee: 300n });
    expect(planWithInputs(coins, { amount: 100_000n as Amount, feeRate: 1n })).toMatchObject({ ok: false, kind: "insufficient" });
  });

  it("sends everything minus the exact fee, leaving out coins worth less than their input's fee", () => {
    fc.assert(
      fc.property(fc.array(arbValue, { minLength: 1, maxLength: 30 }), fc.bigInt({ min: 1n, max: 20n }), (values, rate) => {
        const coins = coinsOf(values);
        const r = sweep(coins, rate);
        const used = coins.filter((c) => c.value > BigInt(INPUT_SIZE) * rate);
        if (!r.ok) {
          expect(used.length === 0 || total(used) - feeFor(used.length, 1, rate) < DUST_LIMIT).toBe(true);
          return;
        }
        expect(r.inputs).toEqual(used);
        expect(r.fee).toBe(feeFor(used.length, 1, rate));
        expect(r.payee + r.fee).toBe(total(used));
      }),
      { numRuns: 200 },
    );
  });
});

describe("the pool's size limit", () => {
  it("keeps a payment within the inputs one transaction may hold, or says how many it would need", () => {
    expect(maxInputsFor(2)).toBe(MAX_STANDARD_TX_SIGS);
    const bySize = maxInputsFor(2, MAX_STANDARD_TX_SIZE, Number.POSITIVE_INFINITY);
    expect(txSizeFor(bySize, 2)).toBeLessThanOrEqual(MAX_STANDARD_TX_SIZE);
    expect(txSizeFor(bySize + 1, 2)).toBeGreaterThan(MAX_STANDARD_TX_SIZE);
    const coins = coinsOf(Array.from({ length: 10 }, () => 10_000n));
    const fits = selectCoins(coins, { amount: 25_000n as Amount, feeRate: 1n, maxInputs: 3 });
    expect(fits.ok && fits.inputs.length).toBe(3);
    expect(selectCoins(coins, { amount: 45_000n as Amount, feeRate: 1n, maxInputs: 3 })).toEqual({
      ok: false,
      kind: "too-large",
      needed: 5,
      maxInputs: 3,
    });
  });

  it("sweeps the largest coins that fit and counts the ones left out", () => {
    const coins = coinsOf([5_000n, 9_000n, 7_000n, 8_000n]);
    const r = sweep(coins, 1n, DUST_LIMIT, false, 2);
    expect(r.ok && r.inputs.map((c) => c.value)).toEqual([9_000n, 8_000n]);
    expect(r.ok && r.leftOut).toBe(2);
  });
});
