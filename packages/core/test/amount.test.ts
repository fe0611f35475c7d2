import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COIN, coinsText, formatCoins, MAX_MONEY, parseCoins, parseUnits, unitsText } from "../src/index.js";

const refused = (r: { ok: true } | { ok: false; detail: string }) => (r.ok ? "accepted" : r.detail);

describe("parseCoins", () => {
  it.each([
    ["1.5", 150_000_000n],
    ["0.00000001", 1n],
    ["21000000", MAX_MONEY],
    ["21000000.00000000", MAX_MONEY],
    ["0", 0n],
    [".5", 50_000_000n],
    ["1.", COIN],
    [" 2 ", 2n * COIN],
  ])("reads %j as %s units", (input, units) => {
    expect(parseCoins(input)).toEqual({ ok: true, value: units });
  });

  it.each([
    ["-1", "negative"],
    ["-0.5", "negative"],
    ["1e5", "exponent"],
    ["1E-8", "exponent"],
    ["0.000000001", "more than 8 decimals"],
    ["1.123456789", "more than 8 decimals"],
    ["21000000.00000001", "above MAX_MONEY"],
    ["99999999999999999999", "above MAX_MONEY"],
    ["", "empty"],
    ["   ", "empty"],
    ["abc", "not a number of coins"],
    [".", "not a number of coins"],
    ["1.2.3", "not a number of coins"],
    ["+1", "not a number of coins"],
    ["1,5", "not a number of coins"],
    ["0x10", "not a number of coins"],
    ["NaN", "not a number of coins"],
    ["Infinity", "not a number of coins"],
    ["１", "not a number of coins"],
  ])("refuses %j (%s), naming the field", (input, why) => {
    const r = parseCoins(input, "send.amount");
    expect(r.ok).toBe(false);
    expect(refused(r)).toMatch(/^send\.amount: /);
    expect(refused(r)).toContain(why);
    expect(refused(r)).toContain(JSON.stringify(input));
  });

  it("reads a JS number through its decimal text, refusing what has no exact 8-decimal form", () => {
    expect(parseCoins(1.5)).toEqual({ ok: true, value: 150_000_000n });
    expect(refused(parseCoins(0.1 + 0.2, "fee"))).toMatch(/^fee: .*more than 8 decimals/);
    expect(refused(parseCoins(1e21, "fee"))).toMatch(/^fee: .*exponent/);
    expect(refused(parseCoins(Number.NaN, "fee"))).toMatch(/^fee: .*not a number of coins/);
    expect(refused(parseCoins(-1, "fee"))).toMatch(/^fee: .*negative/);
  });

  it("refuses what is not text or a number", () => {
    for (const v of [null, undefined, {}, [], true, 5n]) expect(refused(parseCoins(v, "x"))).toMatch(/^x: /);
  });

  it("round-trips every amount in range through formatCoins", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_MONEY }), (v) => {
        const text = formatCoins(v);
        expect(text).toMatch(/^[0-9]+(\.[0-9]{1,8})?$/);
        expect(parseCoins(text)).toEqual({ ok: true, value: v });
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe("parseUnits", () => {
  it.each([
    ["0", 0n],
    ["150000000", 150_000_000n],
    ["2100000000000000", MAX_MONEY],
  ])("reads %j", (input, v) => {
    expect(parseUnits(input)).toEqual({ ok: true, value: v });
  });

  it.each([
    ["-1", "negative"],
    ["1e3", "not a whole number of units"],
    ["1.5", "not a whole number of units"],
    ["1.0", "not a whole number of units"],
    ["2100000000000001", "above MAX_MONEY"],
    ["18446744073709551616", "above MAX_MONEY"],
    ["", "empty"],
    ["abc", "not a whole number of units"],
    [" 1", "not a whole number of units"],
    ["+1", "not a whole number of units"],
    ["007", "leading zeros"],
  ])("refuses %j (%s), naming the field", (input, why) => {
    const r = parseUnits(input, "outputs[0].value");
    expect(r.ok).toBe(false);
    expect(refused(r)).toMatch(/^outputs\[0\]\.value: /);
    expect(refused(r)).toContain(why);
  });

  it("refuses JSON numbers: amounts travel as strings", () => {
    for (const v of [5, 1.5, Number.NaN, null, undefined, true]) {
      expect(refused(parseUnits(v, "fee"))).toMatch(/^fee: .*not a string of decimal digits in units/);
    }
  });

  it("takes a bigint in range and refuses one outside it", () => {
    expect(parseUnits(5n)).toEqual({ ok: true, value: 5n });
    expect(refused(parseUnits(-1n, "v"))).toMatch(/^v: -1 is outside/);
    expect(refused(parseUnits(MAX_MONEY + 1n, "v"))).toMatch(/^v: .* is outside/);
  });

  it("accepts exactly the decimal strings of 0..MAX_MONEY", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_MONEY * 2n }), (v) => {
        const r = parseUnits(v.toString());
        expect(r.ok).toBe(v <= MAX_MONEY);
        if (r.ok) expect(r.value).toBe(v);
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it("never throws and never accepts a string that is not canonical digits", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (s) => {
        const r = parseUnits(s, "f");
        if (r.ok) expect(r.value.toString()).toBe(s);
        else expect(r.detail.startsWith("f: ")).toBe(true);
      }),
      { seed: 13, numRuns: 500 },
    );
  });
});

describe("formatCoins", () => {
  it.each([
    [0n, "0"],
    [1n, "0.00000001"],
    [546n, "0.00000546"],
    [150_000_000n, "1.5"],
    [100_000_000_000n, "1000"],
    [MAX_MONEY, "21000000"],
  ])("shows %s units as %j", (v, text) => {
    expect(formatCoins(v)).toBe(text);
  });

  it("never uses an exponent or more than 8 decimals, whatever the size", () => {
    for (const v of [10n ** 30n, (1n << 64n) - 1n, 123456789n]) expect(formatCoins(v)).toMatch(/^[0-9]+(\.[0-9]{1,8})?$/);
  });

  it("keeps the sign of a negative difference (display of a net change), which parseCoins refuses back", () => {
    expect(formatCoins(-150_000_000n)).toBe("-1.5");
    expect(parseCoins(formatCoins(-1n)).ok).toBe(false);
  });
});

describe("amounts in words", () => {
  it("says coin and unit in the singular only for exactly one", () => {
    expect(coinsText(COIN)).toBe("1 coin");
    expect(coinsText(COIN + 1n)).toBe("1.00000001 coins");
    expect(coinsText(0n)).toBe("0 coins");
    expect(coinsText(COIN / 2n)).toBe("0.5 coins");
    expect(unitsText(1n)).toBe("1 unit");
    expect(unitsText(1)).toBe("1 unit");
    expect(unitsText(546n)).toBe("546 units");
    expect(unitsText(0n)).toBe("0 units");
  });
});
