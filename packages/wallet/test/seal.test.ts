import { utf8 } from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { SealDamagedError, seal, unseal, WrongPassphraseError } from "../src/seal.js";

const N = 2 ** 10; // the file stores N; a low one keeps the test fast
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("sealed secrets", () => {
  it("round-trips with the right passphrase and hides the plaintext", () => {
    const s = seal(utf8("correct horse battery staple"), "pässword", N);
    expect(s.ciphertext).not.toContain(Buffer.from("horse").toString("hex"));
    expect(text(unseal(s, "pässword", "w.json"))).toBe("correct horse battery staple");
    // The passphrase is NFKC-normalized: the composed and decomposed forms both open it.
    expect(text(unseal(s, "pa\u0308ssword", "w.json"))).toBe("correct horse battery staple");
  });

  it("uses a fresh salt and nonce each time", () => {
    const a = seal(utf8("x"), "p", N);
    const b = seal(utf8("x"), "p", N);
    expect(a.params.salt).not.toBe(b.params.salt);
    expect(a.params.nonce).not.toBe(b.params.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it("tells a wrong passphrase apart from damaged bytes, naming the file", () => {
    const s = seal(utf8("secret"), "right", N);
    expect(() => unseal(s, "wrong", "/tmp/w.json")).toThrow(WrongPassphraseError);
    expect(() => unseal(s, "wrong", "/tmp/w.json")).toThrow(/wrong passphrase for wallet \/tmp\/w\.json/);
    const flipped = { ...s, ciphertext: (s.ciphertext[0] === "0" ? "1" : "0") + s.ciphertext.slice(1) };
    expect(() => unseal(flipped, "right", "/tmp/w.json")).toThrow(SealDamagedError);
    expect(() => unseal(flipped, "right", "/tmp/w.json")).toThrow(/\/tmp\/w\.json is corrupted/);
  });

  it("refuses a damaged header before deriving anything", () => {
    const s = seal(utf8("secret"), "right", N);
    expect(() => unseal({ ...s, params: { ...s.params, n: 1000 } }, "right", "f")).toThrow(/bad scrypt N/);
    // an N whose scrypt would need more memory than the KDF allows (1 GiB) is damage too, said before deriving
    expect(() => unseal({ ...s, params: { ...s.params, n: 2 ** 21 } }, "right", "f")).toThrow(SealDamagedError);
    expect(() => unseal({ ...s, params: { ...s.params, salt: "zz" } }, "right", "f")).toThrow(/bad salt/);
    expect(() => unseal({ ...s, params: { ...s.params, cipher: "rot13" } as never }, "right", "f")).toThrow(/unknown cipher/);
    expect(() => unseal({ ...s, ciphertext: "nothex" }, "right", "f")).toThrow(SealDamagedError);
  });
});
