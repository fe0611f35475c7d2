import { bech32m } from "@scure/base";
import type { PublicKey } from "./keys.js";
import type { Refused } from "./result.js";

export type Address = string & { readonly __brand: "Address" };

export function encodeAddress(pubkey: PublicKey, hrp: string): Address {
  if (pubkey.length !== 32) throw new RangeError("an address holds a 32-byte x-only public key");
  return bech32m.encode(hrp, bech32m.toWords(pubkey)) as Address;
}

export type AddressDecode = { ok: true; pubkey: PublicKey } | Refused<"bad-address">;

/**
 * Decodes a bech32m address for network `hrp`. Every failure names what is wrong,
 * so a person who mistyped an address learns which part to check.
 */
export function decodeAddress(address: unknown, hrp: string): AddressDecode {
  if (typeof address !== "string" || address.length === 0) {
    return { ok: false, reason: "bad-address", detail: "address is empty; an address looks like lab1..." };
  }
  const lower = address.toLowerCase();
  if (address !== lower && address !== address.toUpperCase()) {
    return { ok: false, reason: "bad-address", detail: `address ${address} mixes upper and lower case; type it all in one case` };
  }
  const sep = lower.lastIndexOf("1");
  if (sep < 1) return { ok: false, reason: "bad-address", detail: `address ${address} has no "1" separator after the prefix "${hrp}"` };
  // bech32 splits at the LAST "1". An address of this network with a data character mistyped
  // as "1" would then look like a long prefix of "another network": it is a typo, say so.
  if (lower.startsWith(`${hrp}1`) && sep !== hrp.length) {
    return {
      ok: false,
      reason: "bad-address",
      detail: `address ${address} has a bad checksum: a character is mistyped ("1" appears only once, right after "${hrp}")`,
    };
  }
  const prefix = lower.slice(0, sep);
  if (prefix !== hrp) {
    return {
      ok: false,
      reason: "bad-address",
      detail: `address ${address} is for network "${prefix}", not this one ("${hrp}"); addresses here start with ${hrp}1`,
    };
  }
  let words: number[];
  try {
    words = bech32m.decode(lower as `${string}1${string}`, 1000).words;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/checksum/i.test(msg)) {
      return { ok: false, reason: "bad-address", detail: `address ${address} has a bad checksum: a character is mistyped` };
    }
    return { ok: false, reason: "bad-address", detail: `address ${address} is not valid bech32m (${msg})` };
  }
  // A 32-byte key is 52 words with 4 bits of padding that must be zero.
  const bytes = bech32m.fromWordsUnsafe(words);
  if (!bytes) {
    return { ok: false, reason: "bad-address", detail: `address ${address} has non-zero padding bits; it was not made from a 32-byte key` };
  }
  if (bytes.length !== 32) {
    return { ok: false, reason: "bad-address", detail: `address ${address} holds ${bytes.length} bytes, not a 32-byte public key` };
  }
  return { ok: true, pubkey: bytes };
}
