import { describe, expect, it } from "vitest";
import { bytesToHex, decodeAddress, devnetAccounts, encodeAddress, hexToBytes, publicKeyOf } from "../../src/index.js";
import { byType, loadVectors } from "./load.js";

type Case = Record<string, any> & { type: string; description: string };
const { cases } = loadVectors<Case>("keys.json");

describe("keys vectors", () => {
  it("lists the ten devnet accounts", () => {
    expect(byType(cases, "account")).toHaveLength(10);
  });

  it.each(byType(cases, "account").map((c) => [c.description, c] as const))("%s", (_d, c) => {
    const a = devnetAccounts()[c.index];
    expect(c.seed).toBe(`utxolab devnet account ${c.index}`);
    expect(bytesToHex(a.sk)).toBe(c.sk);
    expect(bytesToHex(a.pubkey)).toBe(c.pubkey);
    expect(encodeAddress(a.pubkey, "lab")).toBe(c.address);
    const d = decodeAddress(c.address, "lab");
    expect(d.ok && bytesToHex(d.pubkey)).toBe(c.pubkey);
  });

  it.each(byType(cases, "address").map((c) => [c.description, c] as const))("%s", (_d, c) => {
    expect(bytesToHex(publicKeyOf(hexToBytes(c.sk)))).toBe(c.pubkey);
    expect(encodeAddress(hexToBytes(c.pubkey), c.hrp)).toBe(c.address);
    const d = decodeAddress(c.address, c.hrp);
    expect(d.ok && bytesToHex(d.pubkey)).toBe(c.pubkey);
    const upper = decodeAddress(c.address.toUpperCase(), c.hrp);
    expect(upper.ok && bytesToHex(upper.pubkey)).toBe(c.pubkey);
  });

  it.each(byType(cases, "address-invalid").map((c) => [`${c.why}: ${c.description}`, c] as const))("rejects %s", (_d, c) => {
    const d = decodeAddress(c.address, c.hrp);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.detail.length).toBeGreaterThan(10);
  });
});
