import { bytesToHex as nobleBytesToHex, hexToBytes as nobleHexToBytes } from "@noble/hashes/utils.js";

export const bytesToHex = (b: Uint8Array): string => nobleBytesToHex(b);

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
