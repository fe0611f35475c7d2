import { describe, expect, it } from "vitest";
import { DEVNET, decodeAddress, devnetAccounts, encodeAddress } from "../src/index.js";

const good = encodeAddress(devnetAccounts()[0].pubkey, DEVNET.hrp);
const fail = (a: string) => {
  const r = decodeAddress(a, DEVNET.hrp);
  if (r.ok) throw new Error(`${a} decoded`);
  expect(r.reason).toBe("bad-address");
  return r.detail;
};

describe("decodeAddress explains a typo as a typo", () => {
  it("a data character mistyped as '1' is a bad checksum, not another network", () => {
    for (const at of [good.length - 1, good.length - 7, 10]) {
      const typo = `${good.slice(0, at)}1${good.slice(at + 1)}`;
      const error = fail(typo);
      expect(error).toMatch(/bad checksum/);
      expect(error).not.toMatch(/network/);
    }
  });

  it("any other mistyped character is a bad checksum too", () => {
    const last = good.at(-1) === "q" ? "p" : "q";
    expect(fail(good.slice(0, -1) + last)).toMatch(/bad checksum/);
  });

  it("a real address of another network is still named as such", () => {
    const other = encodeAddress(devnetAccounts()[0].pubkey, "tb");
    expect(fail(other)).toMatch(/is for network "tb"/);
  });
});
