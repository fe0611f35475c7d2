import * as secp from "@noble/secp256k1";
import { utf8 } from "./bytes.js";
import { sha256 } from "./hash.js";
import { schnorrBackend } from "./secp.js";

/** 32-byte x-only public key (BIP340). */
export type PublicKey = Uint8Array;
export type SecretKey = Uint8Array;

export function publicKeyOf(sk: SecretKey): PublicKey {
  return schnorrBackend().publicKey(sk);
}

export function isValidSecretKey(sk: Uint8Array): boolean {
  return secp.utils.isValidSecretKey(sk);
}

export function randomSecretKey(): SecretKey {
  return secp.utils.randomSecretKey();
}

/** BIP340 signature of a 32-byte message, by the active backend (secp.ts); auxRand defaults to fresh randomness. */
export function signSchnorr(msg: Uint8Array, sk: SecretKey, auxRand?: Uint8Array): Uint8Array {
  return schnorrBackend().sign(msg, sk, auxRand);
}

/** BIP340 verification by the active backend; malformed keys or signatures verify as false, never throw. */
export function verifySchnorr(sig: Uint8Array, msg: Uint8Array, pubkey: PublicKey): boolean {
  return schnorrBackend().verify(sig, msg, pubkey);
}

export interface DevnetAccount {
  readonly index: number;
  readonly sk: SecretKey;
  readonly pubkey: PublicKey;
}

/** The ten public devnet accounts: sk_i = sha256(utf8("utxolab devnet account " + i)). */
export function devnetSecretKey(i: number): SecretKey {
  return sha256(utf8(`utxolab devnet account ${i}`));
}

let devnetCache: readonly DevnetAccount[] | undefined;

/**
 * The ten devnet accounts, derived once. Each call gets a frozen list with its own copies of the
 * key bytes (a Uint8Array cannot be frozen): a caller that wipes or changes a key after use
 * changes only its copy, never the accounts everyone else (and the genesis block) reads.
 */
export function devnetAccounts(): readonly DevnetAccount[] {
  devnetCache ??= Array.from({ length: 10 }, (_, index) => {
    const sk = devnetSecretKey(index);
    return { index, sk, pubkey: publicKeyOf(sk) };
  });
  return Object.freeze(devnetCache.map((a) => Object.freeze({ index: a.index, sk: a.sk.slice(), pubkey: a.pubkey.slice() })));
}
