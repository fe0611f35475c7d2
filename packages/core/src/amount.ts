/** An exact amount in units (1 coin = 100,000,000 units). Never a float. */
export type Amount = bigint & { readonly __brand: "Amount" };

export const COIN = 100_000_000n as Amount;
export const MAX_MONEY = (21_000_000n * COIN) as Amount;

export const amount = (v: bigint): Amount => v as Amount;
export const isMoneyRange = (v: bigint): boolean => v >= 0n && v <= MAX_MONEY;

export type AmountParse = { ok: true; value: Amount } | { ok: false; error: string };

function fail(field: string, input: unknown, why: string): AmountParse {
  const shown = typeof input === "string" ? JSON.stringify(input) : String(input);
  return { ok: false, error: `${field}: ${shown} ${why}` };
}

/**
 * Parses a JSON amount: a string of decimal digits in units ("150000000").
 * `field` names the field in the error so the person knows what to fix.
 */
export function parseUnits(input: unknown, field = "amount"): AmountParse {
  if (typeof input === "bigint") {
    if (!isMoneyRange(input)) return fail(field, input, "is outside 0..2100000000000000 units");
    return { ok: true, value: input as Amount };
  }
  if (typeof input !== "string") {
    return fail(field, input, 'is not a string of decimal digits in units (write amounts as strings, e.g. "150000000")');
  }
  if (input === "") return fail(field, input, 'is empty; give a whole number of units, e.g. "150000000"');
  if (input.startsWith("-")) return fail(field, input, "is negative; amounts are never below zero");
  if (!/^[0-9]+$/.test(input)) {
    return fail(field, input, "is not a whole number of units (digits only: no sign, decimal point, exponent or spaces)");
  }
  if (input.length > 1 && input.startsWith("0")) return fail(field, input, "has leading zeros; write it without them");
  const v = BigInt(input);
  if (v > MAX_MONEY) return fail(field, input, "is above MAX_MONEY (2100000000000000 units = 21,000,000 coins)");
  return { ok: true, value: v as Amount };
}

/** Parses a human amount in coins with up to 8 decimals ("1.5", "0.00000001", "21000000"). */
export function parseCoins(input: unknown, field = "amount"): AmountParse {
  if (typeof input === "number") input = String(input);
  if (typeof input !== "string") return fail(field, input, 'is not an amount in coins (e.g. "1.5")');
  const s = input.trim();
  if (s === "") return fail(field, input, 'is empty; give an amount in coins, e.g. "1.5"');
  if (s.startsWith("-")) return fail(field, input, "is negative; you cannot send less than nothing");
  if (/e/i.test(s)) return fail(field, input, 'uses an exponent; write the amount out in coins, e.g. "0.0001"');
  const m = /^([0-9]*)(?:\.([0-9]*))?$/.exec(s);
  if (!m || (m[1] === "" && (m[2] === undefined || m[2] === ""))) {
    return fail(field, input, 'is not a number of coins (e.g. "1.5")');
  }
  const whole = m[1] === "" ? "0" : m[1];
  const frac = m[2] ?? "";
  if (frac.length > 8) {
    return fail(field, input, "has more than 8 decimals; the smallest amount is 0.00000001 coin (1 unit)");
  }
  const v = BigInt(whole) * COIN + BigInt(frac.padEnd(8, "0") || "0");
  if (v > MAX_MONEY) return fail(field, input, "is above MAX_MONEY (21,000,000 coins)");
  return { ok: true, value: v as Amount };
}

/** Units → coins with up to 8 decimals, trailing zeros trimmed ("1.5", "0.00000546", "1000"). */
export function formatCoins(units: bigint): string {
  const neg = units < 0n;
  const a = neg ? -units : units;
  const whole = a / COIN;
  const frac = (a % COIN).toString().padStart(8, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** "1 coin", "1.5 coins", "0 coins": an amount in coins as a person reads it (English plural only for exactly 1). */
export const coinsText = (units: bigint): string => `${formatCoins(units)} ${units === COIN ? "coin" : "coins"}`;

/** "1 unit", "546 units". */
export const unitsText = (units: bigint | number): string => `${units} ${BigInt(units) === 1n ? "unit" : "units"}`;

/**
 * Fee rates as people and programs read them, in one place: units per byte with two decimals
 * ("1.50"), computed exactly from the bigint fee (never through a float), rounded down.
 * The log, the web page and the wallet show this; the RPC's numbers come from `feeRatePerKb`.
 */
export function feeRateText(fee: bigint, size: number | bigint): string {
  const hundredths = (fee * 100n) / BigInt(Math.max(Number(size), 1));
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")}`;
}

/** Units per 1,000 bytes, rounded down: Core's unit for fee rates (maxfeerate, getmempoolentry's feeRate × 1000). */
export function feeRatePerKb(fee: bigint, size: number | bigint): bigint {
  return (fee * 1000n) / BigInt(size);
}
