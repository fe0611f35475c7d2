import { hexToBytes as nobleHexToBytes } from "@noble/hashes/utils.js";

// Char codes of the two hex digits of each byte value.
const HEX_HI = new Uint8Array(256);
const HEX_LO = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  const s = i.toString(16).padStart(2, "0");
  HEX_HI[i] = s.charCodeAt(0);
  HEX_LO[i] = s.charCodeAt(1);
}
/** bytes per String.fromCharCode call: well under every engine's argument limit */
const HEX_CHUNK = 4096;

/**
 * Lowercase hex. Every txid, block hash and UTXO key goes through here (100,000 coins at
 * start-up), so it builds the string from char codes in one call instead of 64 concatenations,
 * which is several times faster and leaves flat strings.
 */
export function bytesToHex(b: Uint8Array): string {
  let out = "";
  for (let start = 0; start < b.length; start += HEX_CHUNK) {
    const end = Math.min(b.length, start + HEX_CHUNK);
    const codes = new Array<number>((end - start) * 2);
    for (let i = start, j = 0; i < end; i++, j += 2) {
      codes[j] = HEX_HI[b[i]];
      codes[j + 1] = HEX_LO[b[i]];
    }
    out += String.fromCharCode.apply(null, codes);
  }
  return out;
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** Strict lowercase hex → bytes. Throws on anything else (callers turn this into a result). */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== "string" || !HEX_RE.test(hex)) {
    throw new TypeError("expected lowercase hex with an even number of digits");
  }
  return nobleHexToBytes(hex);
}

export function isHex(s: unknown, bytes?: number): s is string {
  return typeof s === "string" && HEX_RE.test(s) && (bytes === undefined || s.length === bytes * 2);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
