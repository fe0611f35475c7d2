// Block connect, warm vs cold: a block of 2,000 transactions that the pool already
// validated connects on chain A, whose signature cache holds their txids because the
// pool verified them; the same block, decoded afresh, connects on an identical chain B
// that has never seen them and verifies every signature. The ratio cold / warm says
// what the pool's checks save when a block arrives (target >= 10x). Neither side skips
// a check that was not done: the cache holds only txids whose every signature passed.
// The raw BIP340 verification rate is printed beside it.
import {
  buildBlock,
  ChainState,
  DEVNET,
  decodeBlock,
  decodeTx,
  devnetAccounts,
  encodeBlock,
  encodeTx,
  genesisBlock,
  genesisHash,
  MemoryChainBackend,
  sighash,
  signTx,
  subsidyAt,
  txid,
  verifySchnorr,
} from "../../packages/core/dist/index.js";
import { useBackend } from "../../packages/core/dist/native/index.js";
import { Mempool } from "../../packages/mempool/dist/index.js";

// signatures go through core's seam: libsecp256k1 unless UTXOLAB_VERIFIER=noble
const secpBackend = await useBackend(process.env.UTXOLAB_VERIFIER ?? "auto");
console.log(`BIP340 backend: ${secpBackend.name}`);

const TXS = 2000;
const PER_ACCOUNT = TXS / 10;
const ROUNDS = 3;
const TARGET = 10;
const FEE = 1000n;

const accounts = devnetAccounts();
const auxRand = new Uint8Array(32);
const genesisCb = genesisBlock(DEVNET).txs[0];
const chainOpts = { now: () => DEVNET.genesis.time + 1_000_000 };

// Block 1 splits each genesis output into 200 coins: 2,000 coins, one per transaction of block 2.
const fanouts = accounts.map((a, i) => {
  const value = genesisCb.outputs[i].value;
  const each = (value - 100_000n) / BigInt(PER_ACCOUNT);
  const unsigned = {
    version: 1,
    inputs: [{ prevTxid: txid(genesisCb), vout: i, witness: new Uint8Array(64) }],
    outputs: Array.from({ length: PER_ACCOUNT }, () => ({ value: each, pubkey: a.pubkey })),
    locktime: 0,
  };
  return signTx(unsigned, [{ value, pubkey: a.pubkey }], [a.sk], auxRand);
});
const raw1 = encodeBlock(
  buildBlock(
    {
      prevHash: genesisHash(DEVNET),
      height: 1,
      time: DEVNET.genesis.time + 60,
      coinbaseOutputs: [{ value: subsidyAt(1, DEVNET), pubkey: accounts[0].pubkey }],
      txs: fanouts,
    },
    DEVNET,
  ),
);

// The 2,000 spends, one input and one output each, paying the next account; signed once.
const spends = [];
fanouts.forEach((f, a) => {
  for (let v = 0; v < PER_ACCOUNT; v++) {
    const coin = { value: f.outputs[v].value, pubkey: f.outputs[v].pubkey };
    const unsigned = {
      version: 1,
      inputs: [{ prevTxid: txid(f), vout: v, witness: new Uint8Array(64) }],
      outputs: [{ value: coin.value - FEE, pubkey: accounts[(a + 1) % 10].pubkey }],
      locktime: 0,
    };
    const tx = signTx(unsigned, [coin], [accounts[a].sk], auxRand);
    spends.push({ raw: encodeTx(tx), sig: tx.inputs[0].witness, msg: sighash(tx, [coin], 0), pubkey: coin.pubkey });
  }
});

const decodedBlock = (raw) => {
  const d = decodeBlock(raw);
  if (!d.ok) throw new Error(`bench block does not decode: ${d.detail}`);
  return d.block;
};

async function submitOrThrow(chain, block, what) {
  const r = await chain.submitBlock(block);
  if (!r.ok || !r.active) throw new Error(`${what} refused: ${r.reason ?? "not active"} ${r.detail ?? ""}`);
}

/** One round: two fresh identical chains; the pool on A takes the 2,000 transactions; block 2 connects on both. */
async function round() {
  const a = await ChainState.open(DEVNET, new MemoryChainBackend(), chainOpts);
  const b = await ChainState.open(DEVNET, new MemoryChainBackend(), chainOpts);
  await submitOrThrow(a, decodedBlock(raw1), "block 1 on chain A");
  await submitOrThrow(b, decodedBlock(raw1), "block 1 on chain B");
  const pool = new Mempool(a);

  // As from peers: each transaction decoded from its bytes, then accepted (every signature verified here).
  const t0 = performance.now();
  for (const s of spends) {
    const d = decodeTx(s.raw);
    if (!d.ok) throw new Error(`bench tx does not decode: ${d.detail}`);
    const r = pool.accept(d.tx);
    if (!r.ok) throw new Error(`bench tx refused by the pool: ${r.reason}: ${r.detail ?? ""}`);
  }
  const acceptMs = performance.now() - t0;

  const tpl = pool.template();
  if (tpl.txs.length !== TXS) throw new Error(`template holds ${tpl.txs.length} of ${TXS} transactions`);
  const raw2 = encodeBlock(
    buildBlock(
      {
        prevHash: a.tip.hash,
        height: 2,
        time: DEVNET.genesis.time + 120,
        coinbaseOutputs: [{ value: subsidyAt(2, DEVNET) + tpl.fees, pubkey: accounts[0].pubkey }],
        txs: tpl.txs,
      },
      DEVNET,
    ),
  );

  // The block arrives as bytes at both nodes; decoding (and so hashing the txids) is outside the timings.
  const warmBlock = decodedBlock(raw2);
  const coldBlock = decodedBlock(raw2);
  const w0 = performance.now();
  await submitOrThrow(a, warmBlock, "block 2 on chain A (warm)");
  const warmMs = performance.now() - w0;
  const c0 = performance.now();
  await submitOrThrow(b, coldBlock, "block 2 on chain B (cold)");
  const coldMs = performance.now() - c0;

  if (a.tip.hash !== b.tip.hash || a.utxos.size !== b.utxos.size || a.utxos.total !== b.utxos.total) {
    throw new Error("chains A and B disagree after block 2");
  }
  if (pool.size !== 0) throw new Error(`the pool still holds ${pool.size} transactions after block 2`);
  return { acceptMs, warmMs, coldMs, bytes: raw2.length };
}

function verifyAll() {
  const t0 = performance.now();
  for (const s of spends) if (!verifySchnorr(s.sig, s.msg, s.pubkey)) throw new Error("a bench signature did not verify");
  return performance.now() - t0;
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString("en-US");

verifyAll(); // JIT warm-up of the verifier
const rounds = [];
const verifyMs = [];
for (let r = 0; r < ROUNDS; r++) {
  rounds.push(await round());
  verifyMs.push(verifyAll());
}
const warm = median(rounds.map((r) => r.warmMs));
const cold = median(rounds.map((r) => r.coldMs));
const accept = median(rounds.map((r) => r.acceptMs));
const verify = median(verifyMs);
const ratio = cold / warm;

console.log(
  `block: ${TXS} txs (1 input, 1 output each) + coinbase, ${rounds[0].bytes.toLocaleString("en-US")} bytes; median of ${ROUNDS} rounds, fresh chains each round`,
);
console.log(`connect, warm (pool validated, sig cache hit): ${warm.toFixed(1)} ms  (${fmt((TXS / warm) * 1000)} tx/s)`);
console.log(`connect, cold (every signature verified):      ${cold.toFixed(1)} ms  (${fmt((TXS / cold) * 1000)} tx/s)`);
console.log(`signature verifications/s (BIP340 alone):      ${fmt((TXS / verify) * 1000)}  (${verify.toFixed(1)} ms for ${TXS})`);
console.log(`pool accept (decode + all checks) tx/s:        ${fmt((TXS / accept) * 1000)}  (${accept.toFixed(1)} ms for ${TXS})`);
console.log(
  `ratio cold / warm:                             ${ratio.toFixed(1)}x  (target >= ${TARGET}x: ${ratio >= TARGET ? "met" : "MISSED"})`,
);
