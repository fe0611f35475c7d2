// Core: BIP340 signature verification vs validating a whole block.
// A block of 2,000 one-input two-output transactions is checked the way a node checks
// it after decoding (checkBlockBody, then connectBlockTxs against the UTXO set, no sig
// cache); the same 2,000 signatures are also verified on their own. The ratio says how
// much validation costs beyond the signatures: the target is at most 1.1x.
import {
  buildBlock,
  bytesToHex,
  checkBlockBody,
  connectBlockTxs,
  DEVNET,
  decodeBlock,
  devnetAccounts,
  encodeBlock,
  MemoryUtxoSet,
  sha256,
  sighash,
  signTx,
  subsidyAt,
  utf8,
  verifySchnorr,
} from "../../packages/core/dist/index.js";
import { useBackend } from "../../packages/core/dist/native/index.js";

// signatures go through core's seam: libsecp256k1 unless UTXOLAB_VERIFIER=noble
const secpBackend = await useBackend(process.env.UTXOLAB_VERIFIER ?? "auto");
console.log(`BIP340 backend: ${secpBackend.name}`);

const TXS = 2000;
// Block validations, each between two verify-only runs: every run is seconds on a slow core.
const ROUNDS = 5;
const TARGET = 1.1;
const HEIGHT = 200;

const accounts = devnetAccounts();
const auxRand = new Uint8Array(32);

// The UTXO set: one coin per transaction, paying the devnet keys in turn.
const utxos = new MemoryUtxoSet();
const spends = [];
for (let i = 0; i < TXS; i++) {
  const prevTxid = bytesToHex(sha256(utf8(`bench coin ${i}`)));
  const acct = accounts[i % accounts.length];
  const coin = { value: 100_000_000n, pubkey: acct.pubkey, height: 1, coinbase: false };
  utxos.add(prevTxid, 0, coin);
  spends.push({ prevTxid, coin, sk: acct.sk });
}
// Filler coins so lookups happen in a set of realistic size, not one holding only the block's inputs.
for (let i = 0; i < 50_000; i++) {
  utxos.add(bytesToHex(sha256(utf8(`filler ${i}`))), i % 3, { value: 1000n, pubkey: accounts[i % 10].pubkey, height: 2, coinbase: false });
}

const fee = 1000n;
const txs = spends.map(({ prevTxid, coin, sk }, i) => {
  const unsigned = {
    version: 1,
    inputs: [{ prevTxid, vout: 0, witness: new Uint8Array(0) }],
    outputs: [
      { value: 60_000_000n, pubkey: accounts[(i + 1) % 10].pubkey },
      { value: coin.value - 60_000_000n - fee, pubkey: coin.pubkey },
    ],
    locktime: 0,
  };
  return signTx(unsigned, [coin], [sk], auxRand);
});
const coinbaseValue = subsidyAt(HEIGHT, DEVNET) + fee * BigInt(TXS);
const built = buildBlock(
  {
    prevHash: bytesToHex(sha256(utf8("bench parent"))),
    height: HEIGHT,
    time: DEVNET.genesis.time + 10_000,
    coinbaseOutputs: [{ value: coinbaseValue, pubkey: accounts[0].pubkey }],
    txs,
  },
  DEVNET,
);
const raw = encodeBlock(built);

// What verifying the signatures alone takes: the (signature, message, key) triples, computed beforehand.
const triples = txs.map((tx, i) => [tx.inputs[0].witness, sighash(tx, [spends[i].coin], 0), spends[i].coin.pubkey]);

/**
 * Wall time and this process's CPU time of `fn`, in ms. CPU time leaves out the moments the
 * process waits for a core, so on a shared machine it is the steadier measure of work done.
 */
function measure(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function verifyAll(list = triples) {
  return measure(() => {
    for (const [sig, msg, pk] of list) if (!verifySchnorr(sig, msg, pk)) throw new Error("a bench signature did not verify");
  });
}

function validateBlock() {
  // A fresh decode per round, as a node would have it: txids computed by the decoder, nothing else cached.
  const d = decodeBlock(raw);
  if (!d.ok) throw new Error(`bench block does not decode: ${d.detail}`);
  return measure(() => {
    const body = checkBlockBody(d.block, DEVNET);
    if (!body.ok) throw new Error(`bench block body: ${body.reason} ${body.detail ?? ""}`);
    const r = connectBlockTxs(d.block, HEIGHT, utxos, DEVNET);
    if (!r.ok) throw new Error(`bench block connect: ${r.reason} ${r.detail ?? ""}`);
  });
}

function timeDecode() {
  return measure(() => {
    if (!decodeBlock(raw).ok) throw new Error("bench block does not decode");
  });
}

// Warm up the JIT on the curve arithmetic, then sandwich each block validation between two
// verify-only runs: V B V B ... B V. Each validation is compared with the mean of the two runs
// around it, so a drift in machine load falls on both sides of that comparison, and the
// median of those ratios ignores a round a burst of load hit. Times are CPU time; the wall
// times are shown for reference.
verifyAll(triples.slice(0, 200));
const verify = [verifyAll()];
const validate = [];
const decode = [];
const ratios = [];
const wallRatios = [];
for (let r = 0; r < ROUNDS; r++) {
  validate.push(validateBlock());
  verify.push(verifyAll());
  decode.push(timeDecode());
  const around = (k) => (verify[r][k] + verify[r + 1][k]) / 2;
  ratios.push(validate[r].cpu / around("cpu"));
  wallRatios.push(validate[r].wall / around("wall"));
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const fastest = (xs, k) => Math.min(...xs.map((x) => x[k]));
const v = fastest(verify, "cpu");
const b = fastest(validate, "cpu");
const ratio = median(ratios);
const wallRatio = median(wallRatios);
const fmt = (n) => Math.round(n).toLocaleString("en-US");
console.log(
  `block: ${TXS} txs (1 input, 2 outputs each) + coinbase, ${raw.length.toLocaleString("en-US")} bytes; UTXO set ${utxos.size.toLocaleString("en-US")} coins; ${ROUNDS} rounds, CPU time`,
);
console.log(`signature verifications/s (BIP340 alone):   ${fmt((TXS / v) * 1000)}  (${v.toFixed(1)} ms for ${TXS})`);
console.log(`block validation tx/s (body + connect):     ${fmt((TXS / b) * 1000)}  (${b.toFixed(1)} ms for the block)`);
console.log(`decode of the block (not in the ratio):     ${fastest(decode, "cpu").toFixed(1)} ms`);
console.log(`ratio on wall time (for reference):         ${wallRatio.toFixed(3)}x`);
console.log(`per-round ratios (CPU):                     ${ratios.map((x) => x.toFixed(3)).join("  ")}`);
console.log(
  `ratio validate / verify-only:               ${ratio.toFixed(3)}x  (target <= ${TARGET}x: ${ratio <= TARGET ? "met" : "MISSED"})`,
);
