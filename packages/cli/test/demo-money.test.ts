import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COIN, MAX_MONEY } from "../../core/src/index.js";
import { dollars, unitsToCover, worthAt } from "../src/demo/leverage.js";
import { wrappingOutputs } from "../src/demo/overflow.js";

describe("the overflow demo's outputs", () => {
  it("stay within MAX_MONEY one by one, and sum to 2^64 + 1 coin, which 64-bit arithmetic reads as 1 coin", () => {
    const outs = wrappingOutputs();
    expect(outs.every((v) => v >= 0n && v <= MAX_MONEY)).toBe(true);
    const sum = outs.reduce((s, v) => s + v, 0n);
    expect(sum).toBe((1n << 64n) + COIN);
    expect(BigInt.asUintN(64, sum)).toBe(COIN);
    // 40 bytes an output: the transaction fits a block (1,000,000 bytes)
    expect(outs.length * 40).toBeLessThan(1_000_000);
  });
});

describe("the leverage demo's off-ledger money", () => {
  it("prints cents as dollars, negatives included", () => {
    expect(dollars(0n)).toBe("$0.00");
    expect(dollars(70000n)).toBe("$700.00");
    expect(dollars(123456789n)).toBe("$1,234,567.89");
    expect(dollars(-10001n)).toBe("-$100.01");
  });

  it("covers a debt with the fewest units whose worth reaches it", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), (debt, price) => {
        const u = unitsToCover(debt, price);
        expect(worthAt(u, price) >= debt).toBe(true);
        expect(worthAt(u - 1n, price) < debt).toBe(true);
      }),
    );
  });
});
