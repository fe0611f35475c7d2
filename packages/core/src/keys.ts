import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import * as secp from "@noble/secp256k1";
import { utf8 } from "./bytes.js";
import { sha256 } from "./hash.js";

// noble-secp256k1 v3 ships without sync hashes; BIP340 signing and verifying need them.
secp.hashes.sha256 = nobleSha256;
secp.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(nobleSha256, key, msg);

/** 32-byte x-only public key (BIP340). */
export type PublicKey = Uint8Array;
export type SecretKey = Uint8Array;

export function publicKeyOf(sk: SecretKey): PublicKey {
  return secp.schnorr.getPublicKey(sk);
}

export function isValidSecretKey(sk: Uint8Array): boolean {
  return secp.utils.isValidSecretKey(sk);
}

export function randomSecretKey(): SecretKey {
  return secp.utils.randomSecretKey();
}

/** BIP340 signature of a 32-byte message; auxRand defaults to fresh randomness. */
export function signSchnorr(msg: Uint8Array, sk: SecretKey, auxRand?: Uint8Array): Uint8Array {
  return secp.schnorr.sign(msg, sk, auxRand);
}

/** BIP340 verification; malformed keys or signatures verify as false, never throw. */
export function verifySchnorr(sig: Uint8Array, msg: Uint8Array, pubkey: PublicKey): boolean {
  if (sig.length !== 64 || pubkey.length !== 32) return false;
  try {
    return secp.schnorr.verify(sig, msg, pubkey);
  } catch {
    return false;
  }
}

export interface DevnetAccount {
  index: number;
  sk: SecretKey;
  pubkey: PublicKey;
}

/** The ten public devnet accounts: sk_i = sha256(utf8("utxolab devnet account " + i)). */
export function devnetSecretKey(i: number): SecretKey {
  return sha256(utf8(`utxolab devnet account ${i}`));
}

let devnetCache: DevnetAccount[] | undefined;
export function devnetAccounts(): DevnetAccount[] {
  devnetCache ??= Array.from({ length: 10 }, (_, index) => {
    const sk = devnetSecretKey(index);
    return { index, sk, pubkey: publicKeyOf(sk) };
  });
  return devnetCache;
}
