import { randomBytes } from "node:crypto";
import * as tiny from "tiny-secp256k1";
import type { SchnorrBackend } from "../secp.js";

/**
 * libsecp256k1 (the library Bitcoin Core uses) compiled to WebAssembly by bitcoinjs
 * (`tiny-secp256k1` 2): nothing to compile at install, nothing fetched at run time.
 * Its argument checks throw where our seam answers false (r >= n, a short key, an
 * x not on the curve); both say "does not verify", as BIP340 does.
 *
 * A key that is not on the curve must be refused here, before verifySchnorr: that
 * error is thrown from inside the WebAssembly module, which then never restores its
 * stack pointer, and after about 3,400 such calls every later call fails with
 * "memory access out of bounds". Anyone can pay to such a key and spend from it, so
 * that is a remote crash; isXOnlyPoint answers without throwing (test: backends.test.ts).
 */
export const libsecpBackend: SchnorrBackend = {
  name: "libsecp256k1",
  verify(sig, msg, pubkey) {
    if (sig.length !== 64 || pubkey.length !== 32 || msg.length !== 32) return false;
    try {
      if (!tiny.isXOnlyPoint(pubkey)) return false;
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
