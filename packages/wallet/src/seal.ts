import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { scrypt } from "@noble/hashes/scrypt.js";
import { bytesToHex, equalBytes, hexToBytes, isHex, taggedHash, utf8 } from "@utxolab/core";
import { WalletFileError } from "./errors.js";

/** How a secret is sealed at rest; every parameter is stored so old files open after defaults change. */
export interface SealParams {
  kdf: "scrypt";
  n: number;
  r: number;
  p: number;
  salt: string;
  cipher: "xchacha20poly1305";
  nonce: string;
  /** lets a wrong passphrase be told apart from a damaged ciphertext */
  check: string;
}

export interface Sealed {
  params: SealParams;
  ciphertext: string;
}

/** ~0.3 s on a laptop: slow for guessing, fast enough for each send. */
export const DEFAULT_SCRYPT_N = 2 ** 15;

const AAD = utf8("utxolab-wallet/v1");
const CHECK_TAG = "UTXOLab/wallet-key-check";

export class WrongPassphraseError extends Error {
  constructor(readonly file: string) {
    super(`wrong passphrase for wallet ${file}: nothing was changed; try again (--passphrase or UTXOLAB_WALLET_PASSPHRASE)`);
    this.name = "WrongPassphraseError";
  }
}

/** The encrypted part of a wallet file is damaged (the passphrase was right). */
export class SealDamagedError extends WalletFileError {
  override readonly name = "SealDamagedError";
}

function deriveKey(passphrase: string, salt: Uint8Array, n: number, r: number, p: number): Uint8Array {
  return scrypt(passphrase.normalize("NFKC"), salt, { N: n, r, p, dkLen: 32 });
}

const keyCheck = (key: Uint8Array): string => bytesToHex(taggedHash(CHECK_TAG, key).slice(0, 8));

export function seal(plaintext: Uint8Array, passphrase: string, n = DEFAULT_SCRYPT_N): Sealed {
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const r = 8;
  const p = 1;
  const key = deriveKey(passphrase, salt, n, r, p);
  const ciphertext = xchacha20poly1305(key, nonce, AAD).encrypt(plaintext);
  return {
    params: { kdf: "scrypt", n, r, p, salt: bytesToHex(salt), cipher: "xchacha20poly1305", nonce: bytesToHex(nonce), check: keyCheck(key) },
    ciphertext: bytesToHex(ciphertext),
  };
}

/** Checks the stored parameters before any work, so a damaged header is not mistaken for a wrong passphrase. */
export function checkSealParams(p: unknown, file: string): SealParams {
  const bad = (why: string) => new SealDamagedError(file, `encryption header ${why}`);
  if (typeof p !== "object" || p === null) throw bad("is missing");
  const o = p as Record<string, unknown>;
  if (o.kdf !== "scrypt") throw bad(`names an unknown kdf ${JSON.stringify(o.kdf)}`);
  if (o.cipher !== "xchacha20poly1305") throw bad(`names an unknown cipher ${JSON.stringify(o.cipher)}`);
  const n = o.n;
  // with r = 8, N = 2^20 already takes the 1 GiB the KDF allows at most
  if (typeof n !== "number" || !Number.isInteger(n) || n < 2 || n > 2 ** 20 || (n & (n - 1)) !== 0) throw bad("has a bad scrypt N");
  if (o.r !== 8 || o.p !== 1) throw bad("has unexpected scrypt r/p");
  if (!isHex(o.salt, 16)) throw bad("has a bad salt");
  if (!isHex(o.nonce, 24)) throw bad("has a bad nonce");
  if (!isHex(o.check, 8)) throw bad("has a bad key check");
  return o as unknown as SealParams;
}

export function unseal(sealed: Sealed, passphrase: string, file: string): Uint8Array {
  const p = checkSealParams(sealed.params, file);
  if (!isHex(sealed.ciphertext) || sealed.ciphertext.length < 32) throw new SealDamagedError(file, "the encrypted secret is not hex");
  const key = deriveKey(passphrase, hexToBytes(p.salt), p.n, p.r, p.p);
  if (!equalBytes(hexToBytes(keyCheck(key)), hexToBytes(p.check))) throw new WrongPassphraseError(file);
  try {
    return xchacha20poly1305(key, hexToBytes(p.nonce), AAD).decrypt(hexToBytes(sealed.ciphertext));
  } catch {
    throw new SealDamagedError(file, "the encrypted secret fails its authentication tag (the passphrase is right, the bytes changed)");
  }
}
