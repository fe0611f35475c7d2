import { randomBytes } from "node:crypto";
import * as tiny from "tiny-secp256k1";
import type { SchnorrBackend } from "../secp.js";

/**
 * libsecp256k1 (the library Bitcoin Core uses) compiled to WebAssembly by bitcoinjs
 * (`tiny-secp256k1` 2): nothing to compile at install, nothing fetched at run time.
 * Its argument checks throw where our seam answers false (r >= n, a short key, an
 * x not on the curve); both say "does not verify", as BIP340 does.
 */
export const libsecpBackend: SchnorrBackend = {
  name: "libsecp256k1",
  verify(sig, msg, pubkey) {
    if (sig.length !== 64 || pubkey.length !== 32 || msg.length !== 32) return false;
    try {
      return tiny.verifySchnorr(msg, pubkey, sig);
    } catch {
      return false;
    }
  },
  // Without auxRand libsecp256k1 signs deterministically; BIP340 recommends fresh
  // randomness, which is what noble does by default, so the two stay alike.
  sign: (msg, sk, auxRand) => tiny.signSchnorr(msg, sk, auxRand ?? new Uint8Array(randomBytes(32))),
  publicKey: (sk) => tiny.xOnlyPointFromScalar(sk),
};
