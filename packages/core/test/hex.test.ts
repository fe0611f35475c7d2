import { bytesToHex as nobleBytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../src/bytes.js";

describe("bytesToHex", () => {
  it("writes every byte value as two lowercase digits", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToHex(all)).toBe(nobleBytesToHex(all));
    expect(bytesToHex(new Uint8Array(0))).toBe("");
    expect(bytesToHex(Uint8Array.of(0, 0xab, 0xff))).toBe("00abff");
  });

  it("agrees with the reference on any input, across the chunk boundary, and round-trips", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), (b) => {
        const hex = bytesToHex(b);
        expect(hex).toBe(nobleBytesToHex(b));
        expect(hexToBytes(hex)).toEqual(b);
      }),
      { numRuns: 200 },
    );
  });

  it("handles a 1 MB block and views into a larger buffer", () => {
    const big = Uint8Array.from({ length: 1_000_001 }, (_, i) => (i * 131) & 255);
    expect(bytesToHex(big)).toBe(nobleBytesToHex(big));
    const view = big.subarray(5, 37);
    expect(bytesToHex(view)).toBe(nobleBytesToHex(view));
  });
});
