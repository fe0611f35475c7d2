// Sync over the network vs connecting locally. A fresh node syncs BLOCKS blocks of
// TXS transactions each from a peer over loopback (headers first, then blocks, through
// the real WebSocket protocol); beside it, the same blocks are decoded and connected
// on a fresh ChainState directly. Both validate everything (every signature, with an
// empty signature cache). The ratio network / local says what the protocol costs
// (target >= 0.8). The serving peer runs in a worker thread, as it would in its own process.
//
// The chain: block 1 splits one genesis coin into TXS "lanes" and spends TXS-1 of
// them at once; every later block spends each lane once more (one input, one output,
// one signature per transaction: the fewest a spend can have). Every block thus holds
// TXS spends and there is no need for coinbase maturity. Lanes are independent, so
// they are signed in parallel worker threads, and the chain is cached in the OS temp
// directory so later runs skip the signing.
//
// Usage: node scripts/bench/sync.mjs [--blocks 1000] [--txs 100] [--use N] [--network-first] [--no-cache]
// --use N measures only the first N blocks of the (cached) chain; --network-first swaps
// the order of the two measurements, to see how much of the ratio is order (JIT, load).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import {
  blockHash,
  buildBlock,
  ChainState,
  DEVNET,
  decodeBlock,
  decodeHeader,
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
} from "../../packages/core/dist/index.js";
import { defaultVerifyThreads, useBackend, VerifyPool } from "../../packages/core/dist/native/index.js";
import { P2PNode } from "../../packages/p2p/dist/index.js";
import { arg as commonArg } from "./common.mjs";

// Signing and verifying go through core's seam: libsecp256k1 unless UTXOLAB_VERIFIER=noble
// (every thread of this script loads it, the signing workers too).
const backend = await useBackend(process.env.UTXOLAB_VERIFIER ?? "auto");

const FEE = 1000n;
const BLOCK_SPACING = 60;
const chainOpts = { now: () => DEVNET.genesis.time + 10_000_000 };
// --verify-threads N (default: one per core; 0 = on the main thread, as before the pool)
const VERIFY_THREADS = process.argv.includes("--verify-threads")
  ? Number(process.argv[process.argv.indexOf("--verify-threads") + 1])
  : defaultVerifyThreads();

const arg = (name, dflt) => Number(commonArg(name, dflt));

/** One signed spend of `coin` (one input, one output back to account 0). */
function spend(prev, vout, value) {
  const acc = devnetAccounts()[0];
  const unsigned = {
    version: 1,
    inputs: [{ prevTxid: prev, vout, witness: new Uint8Array(64) }],
    outputs: [{ value: value - FEE, pubkey: acc.pubkey }],
    locktime: 0,
  };
  return signTx(unsigned, [{ value, pubkey: acc.pubkey }], [acc.sk], new Uint8Array(32));
}

// ------------------------------------------------------------------ worker roles

if (!isMainThread && workerData.role === "sign") {
  // Signs `count` successive spends of each lane; returns raw transactions lane by lane.
  const { lanes, count } = workerData;
  const out = [];
  for (const lane of lanes) {
    let { prev, vout, value } = lane;
    const txs = [];
    for (let k = 0; k < count; k++) {
      const tx = spend(prev, vout, BigInt(value));
      txs.push(encodeTx(tx));
      prev = txid(tx);
      vout = 0;
      value = tx.outputs[0].value;
    }
    out.push({ index: lane.index, txs });
  }
  parentPort.postMessage(out);
}

if (!isMainThread && workerData.role === "serve") {
  // The peer that has the chain: serves headers and blocks from the prebuilt bytes.
  const raws = workerData.raws;
  const headers = [genesisBlock(DEVNET).header, ...raws.map((r) => decodeHeader(r.subarray(0, 80)).header)];
  const hashes = headers.map((h) => blockHash(h));
  const heightOf = new Map(hashes.map((h, i) => [h, i]));
  const host = {
    genesisHash: genesisHash(DEVNET),
    userAgent: "/utxolab-bench:source/",
    bestHeight: () => raws.length,
    locator: () => [hashes[hashes.length - 1], hashes[0]],
    headersAfter(locator, stop, max) {
      let from = 0;
      for (const h of locator) {
        if (heightOf.has(h)) {
          from = heightOf.get(h);
          break;
        }
      }
      const out = [];
      for (let i = from + 1; i < headers.length && out.length < max; i++) {
        out.push(headers[i]);
        if (hashes[i] === stop) break;
      }
      return out;
    },
    hasBlock: (h) => heightOf.has(h),
    getBlock: async (h) => {
      const i = heightOf.get(h);
      return i === undefined || i === 0 ? undefined : raws[i - 1];
    },
    submitBlock: async () => ({ ok: false, reason: "duplicate", misbehaving: false }),
    hasTx: () => false,
    getTx: () => undefined,
    submitTx: () => ({ ok: false, reason: "no-pool", misbehaving: false }),
    log: () => {},
  };
  const node = new P2PNode(host, { params: DEVNET, port: 0 });
  await node.start();
  parentPort.postMessage({ url: node.url });
  parentPort.on("message", async () => {
    await node.close();
    parentPort.postMessage({ closed: true });
  });
}

// ------------------------------------------------------------------ main

async function signLanes(starts, count) {
  const workers = Math.max(1, Math.min(4, availableParallelism()));
  const shares = Array.from({ length: workers }, (_, w) => starts.filter((_, i) => i % workers === w));
  const results = await Promise.all(
    shares.map(
      (lanes) =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: { role: "sign", lanes, count } });
          w.once("message", (m) => {
            resolve(m);
            w.terminate();
          });
          w.once("error", reject);
        }),
    ),
  );
  const byLane = new Array(starts.length);
  for (const r of results.flat()) byLane[r.index] = r.txs.map((raw) => decodeTx(raw));
  return { byLane, workers };
}

async function buildChain(blocks, txsPerBlock) {
  const acc = devnetAccounts()[0];
  const g = genesisBlock(DEVNET);
  const gcoin = g.txs[0].outputs[0].value;
  const each = (gcoin - 100_000n) / BigInt(txsPerBlock);
  const fan = signTx(
    {
      version: 1,
      inputs: [{ prevTxid: txid(g.txs[0]), vout: 0, witness: new Uint8Array(64) }],
      outputs: Array.from({ length: txsPerBlock }, () => ({ value: each, pubkey: acc.pubkey })),
      locktime: 0,
    },
    [{ value: gcoin, pubkey: acc.pubkey }],
    [acc.sk],
    new Uint8Array(32),
  );
  const first = [fan];
  for (let j = 0; j < txsPerBlock - 1; j++) first.push(spend(txid(fan), j, each));
  // lane j continues from block 1's spend of output j; the last lane from the fan-out output itself
  const starts = Array.from({ length: txsPerBlock }, (_, j) =>
    j < txsPerBlock - 1
      ? { index: j, prev: txid(first[j + 1]), vout: 0, value: String(first[j + 1].outputs[0].value) }
      : { index: j, prev: txid(fan), vout: j, value: String(each) },
  );
  const t0 = performance.now();
  const { byLane, workers } = await signLanes(starts, blocks - 1);
  const signSecs = (performance.now() - t0) / 1000;
  const raws = [];
  let prev = genesisHash(DEVNET);
  for (let h = 1; h <= blocks; h++) {
    const txs = h === 1 ? first : byLane.map((lane) => lane[h - 2].tx);
    const b = buildBlock(
      {
        prevHash: prev,
        height: h,
        time: DEVNET.genesis.time + h * BLOCK_SPACING,
        coinbaseOutputs: [{ value: subsidyAt(h, DEVNET), pubkey: acc.pubkey }],
        txs,
      },
      DEVNET,
    );
    prev = blockHash(b.header);
    raws.push(encodeBlock(b));
  }
  return { raws, signSecs, workers };
}

function loadOrBuild(blocks, txs, useCache) {
  const dir = join(tmpdir(), "utxolab-bench");
  const file = join(dir, `sync-${genesisHash(DEVNET).slice(0, 12)}-${blocks}x${txs}.bin`);
  if (useCache && existsSync(file)) {
    const buf = readFileSync(file);
    const raws = [];
    for (let o = 0; o < buf.length; ) {
      const n = buf.readUInt32LE(o);
      raws.push(new Uint8Array(buf.subarray(o + 4, o + 4 + n)));
      o += 4 + n;
    }
    if (raws.length === blocks) return Promise.resolve({ raws, cached: file });
  }
  return buildChain(blocks, txs).then((r) => {
    if (useCache) {
      mkdirSync(dir, { recursive: true });
      const parts = [];
      for (const raw of r.raws) {
        const len = Buffer.alloc(4);
        len.writeUInt32LE(raw.length);
        parts.push(len, raw);
      }
      writeFileSync(file, Buffer.concat(parts));
    }
    return { ...r, file };
  });
}

/** Minimal node behind the syncing P2PNode: a ChainState and no pool. */
function syncingHost(chain) {
  return {
    genesisHash: genesisHash(DEVNET),
    userAgent: "/utxolab-bench:fresh/",
    bestHeight: () => chain.height,
    locator: () => chain.locator(),
    headersAfter: () => [],
    hasBlock: (h) => {
      const e = chain.getEntry(h);
      return e !== undefined && (e.hasData || e.status === "invalid");
    },
    getBlock: async () => undefined,
    async submitBlock(block) {
      const r = await chain.submitBlock(block);
      if (r.ok) return { ok: true, active: r.active };
      return {
        ok: false,
        reason: r.reason,
        detail: r.detail,
        misbehaving: r.reason !== "duplicate" && r.reason !== "prev-blk-not-found",
        missingParent: r.reason === "prev-blk-not-found",
      };
    },
    hasTx: () => false,
    getTx: () => undefined,
    submitTx: () => ({ ok: false, reason: "no-pool", misbehaving: false }),
    log: (l) => {
      if (/banned|refused|error/.test(l)) console.log(`  p2p: ${l}`);
    },
  };
}

if (isMainThread) {
  const BLOCKS = arg("blocks", 1000);
  const TXS = arg("txs", 100);
  const useCache = !process.argv.includes("--no-cache");
  console.log(`sync benchmark: ${BLOCKS} blocks x ${TXS} transactions (1 input, 1 output, 1 signature each)`);
  const t0 = performance.now();
  const built = await loadOrBuild(BLOCKS, TXS, useCache);
  const USE = Math.min(arg("use", BLOCKS), BLOCKS);
  const raws = built.raws.slice(0, USE);
  const bytes = raws.reduce((s, r) => s + r.length, 0);
  if (built.cached) console.log(`chain: loaded from ${built.cached}`);
  else {
    console.log(
      `chain: built in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${(BLOCKS - 1) * TXS} signatures in ${built.signSecs.toFixed(1)} s on ${built.workers} worker threads${useCache ? `; cached in ${built.file}` : ""}`,
    );
  }
  console.log(
    `chain (measured part): ${raws.length} blocks, ${(bytes / 1e6).toFixed(2)} MB, ${Math.round(bytes / raws.length)} bytes per block`,
  );

  const pool = isMainThread && VERIFY_THREADS > 0 ? new VerifyPool(backend, VERIFY_THREADS) : undefined;
  if (pool) chainOpts.verifier = pool;
  console.log(`signatures: ${backend.name}, ${VERIFY_THREADS === 0 ? "on the main thread" : `${VERIFY_THREADS} verification threads`}`);
  // raw single-thread rate on this chain's own signatures, for the local-connect target
  const sample = decodeBlock(raws[Math.min(1, raws.length - 1)]).block;
  const jobs = [];
  for (const tx of sample.txs.slice(1))
    jobs.push({
      sig: tx.inputs[0].witness,
      msg: sighash(tx, [{ value: tx.outputs[0].value + FEE, pubkey: devnetAccounts()[0].pubkey }], 0),
      pubkey: devnetAccounts()[0].pubkey,
    });
  const rawT = performance.now();
  let rawN = 0;
  while (performance.now() - rawT < 1000) for (const j of jobs) rawN += backend.verify(j.sig, j.msg, j.pubkey) ? 1 : 0;
  const rawRate = rawN / ((performance.now() - rawT) / 1000);
  console.log(`raw ${backend.name} verifications/s on one thread: ${rawRate.toFixed(0)}`);

  // warm-up (JIT, curve tables), so whichever side runs first is not penalised
  const warm = await ChainState.open(DEVNET, new MemoryChainBackend(), chainOpts);
  for (const raw of raws.slice(0, Math.min(20, raws.length))) await warm.submitBlock(decodeBlock(raw).block);

  /** Decodes and connects every block on a fresh chain state. */
  async function measureLocal() {
    const chain = await ChainState.open(DEVNET, new MemoryChainBackend(), chainOpts);
    const t = performance.now();
    for (const raw of raws) {
      const r = await chain.submitBlock(decodeBlock(raw).block);
      if (!r.ok) throw new Error(`local connect failed at height ${chain.height + 1}: ${r.reason} ${r.detail ?? ""}`);
    }
    const secs = (performance.now() - t) / 1000;
    console.log(
      `local:   ${raws.length} blocks in ${secs.toFixed(2)} s = ${(raws.length / secs).toFixed(1)} blocks/s (${((raws.length * TXS) / secs).toFixed(0)} tx/s)`,
    );
    return { rate: raws.length / secs, tip: chain.tip.hash };
  }

  /** A fresh node syncs from the serving worker over loopback. */
  async function measureNetwork() {
    const server = new Worker(new URL(import.meta.url), { workerData: { role: "serve", raws } });
    const { url } = await new Promise((resolve) => server.once("message", resolve));
    const chain = await ChainState.open(DEVNET, new MemoryChainBackend(), chainOpts);
    const node = new P2PNode(syncingHost(chain), { params: DEVNET, port: 0 });
    await node.start();
    const t = performance.now();
    node.addPeer(url);
    await new Promise((resolve) => {
      const check = () => (chain.height >= raws.length ? resolve() : setTimeout(check, 5));
      check();
    });
    const secs = (performance.now() - t) / 1000;
    const [peer] = node.peers();
    console.log(
      `network: ${raws.length} blocks in ${secs.toFixed(2)} s = ${(raws.length / secs).toFixed(1)} blocks/s (${((raws.length * TXS) / secs).toFixed(0)} tx/s); ${peer?.received.headers ?? 0} headers messages, ${peer?.sent.getdata ?? 0} getdata, ${peer?.received.block ?? 0} blocks`,
    );
    await node.close();
    server.postMessage("close");
    await new Promise((resolve) => server.once("message", resolve));
    await server.terminate();
    return { rate: raws.length / secs, tip: chain.tip.hash };
  }

  const networkFirst = process.argv.includes("--network-first");
  console.log(`order: ${networkFirst ? "network, then local" : "local, then network"}`);
  const net = networkFirst ? await measureNetwork() : undefined;
  const loc = await measureLocal();
  const network = net ?? (await measureNetwork());
  if (network.tip !== loc.tip) throw new Error("the synced tip differs from the local one");
  const ratio = network.rate / loc.rate;
  console.log(`ratio network/local: ${ratio.toFixed(3)} (target >= 0.8) ${ratio >= 0.8 ? "OK" : "BELOW TARGET"}`);
  const ideal = (rawRate * Math.max(1, VERIFY_THREADS)) / TXS;
  const localRatio = loc.rate / ideal;
  console.log(
    `ratio local / (raw rate x ${Math.max(1, VERIFY_THREADS)} threads / ${TXS} sigs per block = ${ideal.toFixed(1)} blocks/s): ${localRatio.toFixed(3)} (target >= 0.7) ${localRatio >= 0.7 ? "OK" : "BELOW TARGET"}`,
  );
  await pool?.close();
}
