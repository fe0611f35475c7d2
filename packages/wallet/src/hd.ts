import { HDKey } from "@scure/bip32";
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { type PublicKey, publicKeyOf, type Refused, type SecretKey } from "@utxolab/core";

/**
 * BIP86-style account path with coin type 1 (test networks). Children are
 * `0/i` (receive) and `1/i` (change), derived without hardening so the account
 * xpub alone, stored unencrypted, hands out new addresses without the passphrase.
 * The address key is the child's x-only key as it is: no taproot tweak, since
 * UTXOLab outputs pay a bare BIP340 key.
 */
export const ACCOUNT_PATH = "m/86'/1'/0'";

export const RECEIVE = 0;
export const CHANGE = 1;
export type Chain = typeof RECEIVE | typeof CHANGE;

export function newMnemonic(): string {
  return generateMnemonic(wordlist, 128);
}

/** Normalizes spacing and case; `{ok:false}` says why the phrase is not a BIP39 English mnemonic. */
export function checkMnemonic(input: string): { ok: true; mnemonic: string } | Refused<"bad-mnemonic"> {
  const words = input.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    return { ok: false, reason: "bad-mnemonic", detail: `a recovery phrase has 12, 15, 18, 21 or 24 words; this one has ${words.length}` };
  }
  const unknown = words.filter((w) => !wordlist.includes(w));
  if (unknown.length > 0) {
    return { ok: false, reason: "bad-mnemonic", detail: `not BIP39 English words: ${unknown.join(", ")}; check the spelling` };
  }
  const mnemonic = words.join(" ");
  if (!validateMnemonic(mnemonic, wordlist)) {
    return {
      ok: false,
      reason: "bad-mnemonic",
      detail: "the recovery phrase has a bad checksum: a word is wrong or the words are out of order",
    };
  }
  return { ok: true, mnemonic };
}

export function accountKey(mnemonic: string): HDKey {
  return HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic)).derive(ACCOUNT_PATH);
}

export const accountXpub = (mnemonic: string): string => accountKey(mnemonic).publicExtendedKey;

const xonly = (compressed: Uint8Array): PublicKey => compressed.slice(1);

/** Public derivation from the account xpub; caches the two chain nodes. */
export class XpubDeriver {
  private readonly chains: HDKey[];

  constructor(xpub: string) {
    const acct = HDKey.fromExtendedKey(xpub);
    this.chains = [acct.deriveChild(RECEIVE), acct.deriveChild(CHANGE)];
  }

  pubkey(chain: Chain, index: number): PublicKey {
    const pk = this.chains[chain].deriveChild(index).publicKey;
    if (!pk) throw new Error("derivation produced no public key");
    return xonly(pk);
  }
}

/** Private derivation from the seed; the x-only key matches what XpubDeriver gave for the same path. */
export class SeedSigner {
  private readonly chains: HDKey[];

  constructor(mnemonic: string) {
    const acct = accountKey(mnemonic);
    this.chains = [acct.deriveChild(RECEIVE), acct.deriveChild(CHANGE)];
  }

  secretKey(chain: Chain, index: number): { sk: SecretKey; pubkey: PublicKey } {
    const sk = this.chains[chain].deriveChild(index).privateKey;
    if (!sk) throw new Error("derivation produced no private key");
    return { sk, pubkey: publicKeyOf(sk) };
  }
}
