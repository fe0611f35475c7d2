import { HDKey } from "@scure/bip32";
import { mnemonicToSeedSync } from "@scure/bip39";
import { bytesToHex, publicKeyOf } from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { accountXpub, CHANGE, checkMnemonic, newMnemonic, RECEIVE, SeedSigner, XpubDeriver } from "../src/hd.js";

const ABANDON = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

describe("key derivation", () => {
  it("turns a BIP32 key into the BIP86 internal x-only key (BIP86 test vector, m/86'/0'/0'/0/0)", () => {
    const key = HDKey.fromMasterSeed(mnemonicToSeedSync(ABANDON)).derive("m/86'/0'/0'/0/0");
    expect(bytesToHex(publicKeyOf(key.privateKey!))).toBe("cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115");
  });

  it("derives the same keys from the account xpub and from the seed, on m/86'/1'/0'/{0,1}/i", () => {
    const xpub = new XpubDeriver(accountXpub(ABANDON));
    const seed = new SeedSigner(ABANDON);
    const direct = HDKey.fromMasterSeed(mnemonicToSeedSync(ABANDON));
    for (const chain of [RECEIVE, CHANGE] as const) {
      for (const i of [0, 1, 7]) {
        const pub = xpub.pubkey(chain, i);
        const { sk, pubkey } = seed.secretKey(chain, i);
        expect(bytesToHex(pubkey)).toBe(bytesToHex(pub));
        expect(bytesToHex(publicKeyOf(sk))).toBe(bytesToHex(pub));
        expect(bytesToHex(sk)).toBe(bytesToHex(direct.derive(`m/86'/1'/0'/${chain}/${i}`).privateKey!));
      }
    }
  });

  it("is deterministic from the phrase and differs between chains, indexes and phrases", () => {
    const a = new XpubDeriver(accountXpub(ABANDON));
    const b = new XpubDeriver(accountXpub(ABANDON));
    expect(bytesToHex(a.pubkey(RECEIVE, 0))).toBe(bytesToHex(b.pubkey(RECEIVE, 0)));
    const seen = new Set([RECEIVE, CHANGE].flatMap((c) => [0, 1, 2].map((i) => bytesToHex(a.pubkey(c, i)))));
    expect(seen.size).toBe(6);
    const other = new XpubDeriver(accountXpub(newMnemonic()));
    expect(bytesToHex(other.pubkey(RECEIVE, 0))).not.toBe(bytesToHex(a.pubkey(RECEIVE, 0)));
  });

  it("accepts a phrase with odd spacing and case, and says what is wrong with a bad one", () => {
    const ok = checkMnemonic(`  ${ABANDON.toUpperCase().replace(/ /g, "   ")} `);
    expect(ok).toEqual({ ok: true, mnemonic: ABANDON });
    expect(checkMnemonic("abandon about")).toMatchObject({ ok: false, reason: "bad-mnemonic", detail: expect.stringContaining("has 2") });
    expect(checkMnemonic(ABANDON.replace("about", "abuot"))).toMatchObject({
      ok: false,
      reason: "bad-mnemonic",
      detail: expect.stringContaining("abuot"),
    });
    expect(checkMnemonic(ABANDON.replace("about", "abandon"))).toMatchObject({
      ok: false,
      reason: "bad-mnemonic",
      detail: expect.stringContaining("checksum"),
    });
    expect(checkMnemonic(newMnemonic()).ok).toBe(true);
  });
});
