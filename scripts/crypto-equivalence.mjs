#!/usr/bin/env node
// The long run of the backend equivalence property (packages/core/test/backends.slow.test.ts runs
// a short one in CI): N random (signature, message, key) triples, valid and broken in every
// way BIP340 cares about, must get the same answer from noble and libsecp256k1, and every
// valid one must verify. Deterministic: triple i comes from sha256("utxolab equivalence" | seed | i).
//   node scripts/crypto-equivalence.mjs [N=100000] [seed=1]
// Packages must be built (`pnpm exec tsc -b`).
import { nobleBackend, sha256 } from "../packages/core/dist/index.js";
import { loadBackend } from "../packages/core/dist/native/index.js";

const N = Number(process.argv[2] ?? 100_000);
const SEED = Number(process.argv[3] ?? 1);
const lib = await loadBackend("libsecp256k1");

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const N_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const be32 = (x) => {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
};
const num = (b) => b.reduce((a, v) => (a << 8n) | BigInt(v), 0n);
const enc = new TextEncoder();

export const KINDS = [
  "valid",
  "flip-sig",
  "flip-key",
  "flip-msg",
  "s>=n",
  "r>=p",
  "r in [n,p)",
  "x-not-on-curve",
  "key>=p",
  "zero-key",
  "zero-sig",
];

/** Triple i: a fresh signature, then one mutation picked by i. */
function triple(i) {
  const seed = sha256(enc.encode(`utxolab equivalence ${SEED} ${i}`));
  const sk = sha256(seed);
  const msg = sha256(sk);
  const aux = sha256(msg);
  const pk = lib.publicKey(sk);
  const sig = lib.sign(msg, sk, aux);
  const kind = KINDS[i % KINDS.length];
  const r = seed[0] | (seed[1] << 8);
  const s2 = sig.slice();
  const pk2 = pk.slice();
  const m2 = msg.slice();
  switch (kind) {
    case "flip-sig":
      s2[(r >> 3) % 64] ^= 1 << (r & 7);
      break;
    case "flip-key":
      pk2[(r >> 3) % 32] ^= 1 << (r & 7);
      break;
    case "flip-msg":
      m2[(r >> 3) % 32] ^= 1 << (r & 7);
      break;
    case "s>=n":
      s2.set(be32(N_ORDER + (num(sig.subarray(32)) % (2n ** 256n - N_ORDER))), 32);
      break;
    case "r>=p":
      s2.set(be32(P + BigInt(r % 977)), 0);
      break;
    case "r in [n,p)":
      s2.set(be32(N_ORDER + (num(sig.subarray(0, 32)) % (P - N_ORDER))), 0);
      break;
    case "x-not-on-curve": {
      // walk from a random x to one with no point: x^3 + 7 is not a square mod p
      let x = num(seed) % P;
      const pow = (b, e) => {
        let acc = 1n;
        for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) acc = (acc * b) % P;
        return acc;
      };
      while (pow((x * x * x + 7n) % P, (P - 1n) / 2n) === 1n) x = (x + 1n) % P;
      pk2.set(be32(x));
      break;
    }
    case "key>=p":
      pk2.set(be32(P + BigInt(r % 977)));
      break;
    case "zero-key":
      pk2.fill(0);
      break;
    case "zero-sig":
      s2.fill(0);
      break;
  }
  return { kind, sig: s2, msg: m2, pk: pk2, sk, aux, orig: sig };
}

const counts = Object.fromEntries(KINDS.map((k) => [k, { n: 0, valid: 0 }]));
const started = performance.now();
let disagreements = 0;
for (let i = 0; i < N; i++) {
  const t = triple(i);
  const a = nobleBackend.verify(t.sig, t.msg, t.pk);
  const b = lib.verify(t.sig, t.msg, t.pk);
  counts[t.kind].n++;
  if (a) counts[t.kind].valid++;
  if (a !== b || (t.kind === "valid" && !a)) {
    disagreements++;
    console.error(`triple ${i} (${t.kind}): noble ${a}, libsecp256k1 ${b}`);
  }
  // signing agrees too, given the same auxRand (every 50th: noble signing is slow)
  if (i % 50 === 0 && !nobleBackend.sign(t.msg, t.sk, t.aux).every((v, j) => v === t.orig[j]) && t.kind !== "flip-msg") {
    disagreements++;
    console.error(`triple ${i}: the two backends sign differently`);
  }
  if ((i + 1) % 10_000 === 0)
    console.log(`${i + 1} triples, ${disagreements} disagreements, ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
console.log(`${N} triples (seed ${SEED}), ${disagreements} disagreements in ${((performance.now() - started) / 1000).toFixed(0)} s`);
for (const [k, c] of Object.entries(counts)) console.log(`  ${k.padEnd(16)} ${String(c.n).padStart(7)} triples, ${c.valid} verify`);
process.exit(disagreements === 0 ? 0 : 1);
