import { describe, expect, it } from "vitest";
import {
  bytesToHex,
  decodeTx,
  hexToBytes,
  type SpentOutput,
  sighash,
  sighashParts,
  sighashPreimage,
  signSchnorr,
  verifySchnorr,
} from "../../src/index.js";
import { byType, loadVectors } from "./load.js";

type Case = Record<string, any> & { type: string; description: string };
const { cases } = loadVectors<Case>("sighash.json");

describe("sighash vectors", () => {
  it("has both kinds", () => {
    expect(byType(cases, "sighash").length).toBeGreaterThan(0);
    expect(byType(cases, "signature").length).toBeGreaterThan(0);
  });

  it.each(byType(cases, "sighash").map((c) => [c.description, c] as const))("%s", (_d, c) => {
    const d = decodeTx(c.tx);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    const spent: SpentOutput[] = c.spent.map((s: any) => ({ value: BigInt(s.value), pubkey: hexToBytes(s.pubkey) }));
    const parts = sighashParts(d.tx, spent);
    expect({
      hashOutpoints: bytesToHex(parts.hashOutpoints),
      hashSpentValues: bytesToHex(parts.hashSpentValues),
      hashSpentPubkeys: bytesToHex(parts.hashSpentPubkeys),
      hashOutputs: bytesToHex(parts.hashOutputs),
    }).toEqual(c.parts);
    expect(bytesToHex(sighashPreimage(d.tx, parts, c.index))).toBe(c.preimage);
    const msg = sighash(d.tx, spent, c.index);
    expect(bytesToHex(msg)).toBe(c.sighash);
    expect(bytesToHex(signSchnorr(msg, hexToBytes(c.sk), hexToBytes(c.auxRand)))).toBe(c.signature);
    expect(bytesToHex(d.tx.inputs[c.index].witness)).toBe(c.signature);
    expect(verifySchnorr(hexToBytes(c.signature), msg, hexToBytes(c.pubkey))).toBe(c.verifies);
  });

  it.each(byType(cases, "signature").map((c) => [c.description, c] as const))("signature: %s", (_d, c) => {
    expect(verifySchnorr(hexToBytes(c.signature), hexToBytes(c.msg), hexToBytes(c.pubkey))).toBe(c.verifies);
  });
});
