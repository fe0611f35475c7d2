import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import * as secp from "@noble/secp256k1";

// noble-secp256k1 v3 ships without sync hashes; BIP340 signing and verifying need them.
secp.hashes.sha256 = nobleSha256;
secp.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(nobleSha256, key, msg);

/** The BIP340 implementations a process can run. */
export type BackendName = "noble" | "libsecp256k1";
export const BACKEND_NAMES: readonly BackendName[] = ["noble", "libsecp256k1"];

/**
 * One BIP340 implementation. Every rule and every signer goes through the active one,
 * so both backends must give the same answer for every input (tests prove it).
 * Messages are 32 bytes (our sighashes); anything else verifies as false.
 */
export interface SchnorrBackend {
  readonly name: BackendName;
  /** malformed keys, signatures or messages verify as false; never throws */
  verify(sig: Uint8Array, msg: Uint8Array, pubkey: Uint8Array): boolean;
  /** auxRand defaults to fresh randomness (BIP340 §Default Signing) */
  sign(msg: Uint8Array, sk: Uint8Array, auxRand?: Uint8Array): Uint8Array;
  /** 32-byte x-only public key */
  publicKey(sk: Uint8Array): Uint8Array;
}

/** @noble/secp256k1: pure JS, always available, the reference and what the web page runs. */
export const nobleBackend: SchnorrBackend = {
  name: "noble",
  verify(sig, msg, pubkey) {
    if (sig.length !== 64 || pubkey.length !== 32 || msg.length !== 32) return false;
    try {
      return secp.schnorr.verify(sig, msg, pubkey);
    } catch {
      return false;
    }
  },
  sign: (msg, sk, auxRand) => secp.schnorr.sign(msg, sk, auxRand),
  publicKey: (sk) => secp.schnorr.getPublicKey(sk),
};

let active: SchnorrBackend = nobleBackend;

/** The backend every signature of this module instance goes through. */
export function schnorrBackend(): SchnorrBackend {
  return active;
}

/**
 * Makes `b` the backend of this process (core stays pure: a Node-only entry,
 * `@utxolab/core/native`, loads the libsecp256k1 one and calls this).
 */
export function setSchnorrBackend(b: SchnorrBackend): void {
  active = b;
}
