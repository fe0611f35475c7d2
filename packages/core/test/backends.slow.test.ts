// Both BIP340 backends, and the worker pool, give the same answers: on the official
// BIP340 vectors, on every vector of the repo, and on random valid and broken triples.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BatchVerifier,
  hexToBytes,
  inlineVerifier,
  nobleBackend,
  type SchnorrBackend,
  setSchnorrBackend,
  signSchnorr,
  verifySchnorr,
} from "../src/index.js";
import { libsecpBackend } from "../src/native/libsecp.js";
import { VerifyPool } from "../src/native/pool.js";
import { type BlockCase, byType, expectBlockCase, loadVectors, runTxCase, type TxCase } from "./vectors/load.js";

const BACKENDS: SchnorrBackend[] = [nobleBackend, libsecpBackend];

interface Bip340Vector {
  index: number;
  sk: string;
  pubkey: string;
  aux: string;
  msg: string;
  sig: string;
  result: boolean;
  comment: string;
}

const bip340: Bip340Vector[] = readFileSync(new URL("./data/bip340-test-vectors.csv", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [index, sk, pubkey, aux, msg, sig, result, comment] = line.toLowerCase().split(",");
    return { index: Number(index), sk, pubkey, aux, msg, sig, result: result === "true", comment };
  });

type Case = Record<string, any> & { type: string; description: string };
const sighashCases = loadVectors<Case>("sighash.json").cases;
const txCases = loadVectors<TxCase>("tx_rules.json").cases;
const blockCases = loadVectors<BlockCase>("block_rules.json").cases;

describe.each(BACKENDS.map((b) => [b.name, b] as const))("backend %s", (_name, backend) => {
  beforeAll(() => setSchnorrBackend(backend));
  afterAll(() => setSchnorrBackend(nobleBackend));

  it("reads all 15 official BIP340 vectors", () => {
    expect(bip340.map((v) => v.index)).toEqual([...Array(15).keys()]);
  });

  it.each(bip340.map((v) => [`${v.index} ${v.comment || (v.result ? "valid" : "invalid")}`, v] as const))("BIP340 vector %s", (_d, v) => {
    expect(backend.verify(hexToBytes(v.sig), hexToBytes(v.msg), hexToBytes(v.pubkey))).toBe(v.result);
    if (v.sk) {
      const sk = hexToBytes(v.sk);
      expect(backend.publicKey(sk)).toEqual(hexToBytes(v.pubkey));
      expect(backend.sign(hexToBytes(v.msg), sk, hexToBytes(v.aux))).toEqual(hexToBytes(v.sig));
    }
  });

  it("answers false, never throws, for malformed lengths", () => {
    const v = bip340[1];
    const [sig, msg, pk] = [hexToBytes(v.sig), hexToBytes(v.msg), hexToBytes(v.pubkey)];
    expect(backend.verify(sig, msg, pk)).toBe(true);
    expect(backend.verify(sig.subarray(0, 63), msg, pk)).toBe(false);
    expect(backend.verify(sig, msg.subarray(0, 31), pk)).toBe(false);
    expect(backend.verify(sig, msg, new Uint8Array(33))).toBe(false);
    expect(backend.verify(sig, new Uint8Array(0), pk)).toBe(false);
  });

  it("keeps working after thousands of keys that are not on the curve (a WebAssembly stack leak in tiny-secp256k1)", () => {
    const v = bip340[1];
    const [sig, msg, pk] = [hexToBytes(v.sig), hexToBytes(v.msg), hexToBytes(v.pubkey)];
    const offCurve = hexToBytes(bip340[5].pubkey);
    for (let i = 0; i < 5000; i++) {
      expect(backend.verify(sig, msg, offCurve)).toBe(false);
      expect(backend.verify(sig, msg, new Uint8Array(32))).toBe(false);
    }
    expect(backend.verify(sig, msg, pk)).toBe(true);
  });

  it.each(byType(sighashCases, "sighash").map((c) => [c.description, c] as const))("sighash vector signs: %s", (_d, c) => {
    const msg = hexToBytes(c.sighash);
    expect(signSchnorr(msg, hexToBytes(c.sk), hexToBytes(c.auxRand))).toEqual(hexToBytes(c.signature));
    expect(verifySchnorr(hexToBytes(c.signature), msg, hexToBytes(c.pubkey))).toBe(c.verifies);
  });

  it.each(byType(sighashCases, "signature").map((c) => [c.description, c] as const))("signature vector: %s", (_d, c) => {
    expect(verifySchnorr(hexToBytes(c.signature), hexToBytes(c.msg), hexToBytes(c.pubkey))).toBe(c.verifies);
  });

  it.each(txCases.map((c) => [c.description, c] as const))("tx_rules: %s", (_d, c) => {
    const r = runTxCase(c);
    expect(r.outcome).toBe(c.expect);
    if (r.outcome !== "tx-decode-failed") expect(r.txid).toBe(c.txid);
  });

  // The block scenarios through ChainState: on this thread, and through a two-thread pool.
  describe.each([
    ["inline", () => inlineVerifier],
    ["a 2-thread pool", () => new VerifyPool(backend, 2)],
  ] as const)("block_rules, verified %s", (_how, make) => {
    let verifier: BatchVerifier;
    beforeAll(() => {
      verifier = make();
    });
    afterAll(async () => {
      if (verifier instanceof VerifyPool) await verifier.close();
    });
    it.each(blockCases.map((c) => [c.description, c] as const))("%s", (_d, c) => expectBlockCase(c, verifier));
  });
});

// ---- equivalence on random triples (the long run: scripts/crypto-equivalence.mjs) ----

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const be32 = (x: bigint) => hexToBytes(x.toString(16).padStart(64, "0"));
function powP(b: bigint, e: bigint): bigint {
  let acc = 1n;
  for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) acc = (acc * b) % P;
  return acc;
}
const onCurve = (x: bigint) => powP((x * x * x + 7n) % P, (P - 1n) / 2n) === 1n;

type Mutation =
  | { kind: "none" }
  | { kind: "flip-sig" | "flip-key" | "flip-msg"; bit: number }
  | { kind: "s>=n" | "r>=p" | "r in [n,p)" | "key>=p"; k: bigint }
  | { kind: "x-not-on-curve"; x: bigint }
  | { kind: "zero-key" | "zero-sig" };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: "none" as const }),
  fc.record({ kind: fc.constantFrom("flip-sig" as const), bit: fc.nat(511) }),
  fc.record({ kind: fc.constantFrom("flip-key" as const, "flip-msg" as const), bit: fc.nat(255) }),
  fc.record({
    kind: fc.constantFrom("s>=n" as const, "r>=p" as const, "r in [n,p)" as const, "key>=p" as const),
    k: fc.bigInt(0n, 2n ** 32n),
  }),
  fc.record({ kind: fc.constant("x-not-on-curve" as const), x: fc.bigInt(0n, P - 1n) }),
  fc.record({ kind: fc.constantFrom("zero-key" as const, "zero-sig" as const) }),
);

function apply(m: Mutation, sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const [s, g, k] = [sig.slice(), msg.slice(), pk.slice()];
  switch (m.kind) {
    case "flip-sig":
      s[m.bit >> 3] ^= 1 << (m.bit & 7);
      break;
    case "flip-key":
      k[m.bit >> 3] ^= 1 << (m.bit & 7);
      break;
    case "flip-msg":
      g[m.bit >> 3] ^= 1 << (m.bit & 7);
      break;
    case "s>=n":
      s.set(be32(N + (m.k % (2n ** 256n - N))), 32);
      break;
    case "r>=p":
      s.set(be32(P + (m.k % (2n ** 256n - P))), 0);
      break;
    case "r in [n,p)":
      s.set(be32(N + (m.k % (P - N))), 0);
      break;
    case "key>=p":
      k.set(be32(P + (m.k % (2n ** 256n - P))));
      break;
    case "x-not-on-curve": {
      let x = m.x;
      while (onCurve(x)) x = (x + 1n) % P;
      k.set(be32(x));
      break;
    }
    case "zero-key":
      k.fill(0);
      break;
    case "zero-sig":
      s.fill(0);
      break;
  }
  return [s, g, k];
}

const validSk = fc.bigInt(1n, N - 1n).map(be32);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("noble and libsecp256k1 agree", () => {
  it("on random signatures, valid and broken (CI: 2,000 triples; scripts/crypto-equivalence.mjs: 100,000+)", () => {
    fc.assert(
      fc.property(validSk, bytes32, bytes32, mutation, (sk, msg, aux, m) => {
        const pk = libsecpBackend.publicKey(sk);
        const sig = libsecpBackend.sign(msg, sk, aux);
        const [s, g, k] = apply(m, sig, msg, pk);
        const a = nobleBackend.verify(s, g, k);
        expect(libsecpBackend.verify(s, g, k)).toBe(a);
        if (m.kind === "none") expect(a).toBe(true);
        else expect(a).toBe(false);
      }),
      { numRuns: 2000, seed: 10 },
    );
  });

  it("on signing: same key, message and auxRand give the same signature and public key", () => {
    fc.assert(
      fc.property(validSk, bytes32, bytes32, (sk, msg, aux) => {
        expect(nobleBackend.publicKey(sk)).toEqual(libsecpBackend.publicKey(sk));
        expect(nobleBackend.sign(msg, sk, aux)).toEqual(libsecpBackend.sign(msg, sk, aux));
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
