// Node benchmarks against a real `utxolab node` process:
// 1. sendrawtransaction from 4 concurrent clients beside the raw BIP340 verification rate
//    of the same backend (each transaction has one signature; targets: RPC >= 80% of the raw
//    rate, node CPU per transaction <= 1.3x one raw verification);
// 2. the node's resident memory after building a chain with 100,000 unspent outputs on
//    LevelDB, and again after a restart that loads them (target: under 250 MB).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bytesToHex,
  DEVNET,
  devnetAccounts,
  encodeAddress,
  encodeTx,
  genesisBlock,
  sighash,
  signTx,
  txid,
  verifySchnorr,
} from "../../packages/core/dist/index.js";
import { useBackend } from "../../packages/core/dist/native/index.js";
import { startNode } from "./common.mjs";

// the same backend as the node: the fastest that loads, or UTXOLAB_VERIFIER (the node reads it too)
const backend = await useBackend(process.env.UTXOLAB_VERIFIER ?? "auto");

const accounts = devnetAccounts();
const addr = (i) => encodeAddress(accounts[i].pubkey, DEVNET.hrp);
const gTxid = txid(genesisBlock(DEVNET).txs[0]);

/** One signed payment from `coins` (owned by account `from`) to `outputs`. */
function pay(coins, from, outputs) {
  const unsigned = {
    version: 1,
    inputs: coins.map((c) => ({ prevTxid: c.txid, vout: c.vout, witness: new Uint8Array(64) })),
    outputs: outputs.map(([pubkey, value]) => ({ value, pubkey })),
    locktime: 0,
  };
  const spent = coins.map((c) => ({ value: c.value, pubkey: accounts[from].pubkey }));
  const tx = signTx(
    unsigned,
    spent,
    coins.map(() => accounts[from].sk),
  );
  return { tx, spent, hex: bytesToHex(encodeTx(tx)), txid: txid(tx) };
}

/** concurrent clients, one request in flight each (issue #10: 4) */
const INFLIGHT = 4;

async function rpcThroughput() {
  const N = 400;
  // BENCH_NODE_ARGS="--verify-threads 0" (say) compares node set-ups
  const node = await startNode(["--memory", ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : [])]);
  try {
    // fan out: each of 10 genesis coins into 40 outputs, confirmed in one block
    const perAccount = N / 10;
    const leaves = [];
    for (let i = 0; i < 10; i++) {
      const outs = Array.from({ length: perAccount }, () => [accounts[i].pubkey, 1_000_000_000n]);
      const fanout = pay([{ txid: gTxid, vout: i, value: 100_000_000_000n }], i, [
        ...outs,
        [accounts[i].pubkey, 100_000_000_000n - BigInt(perAccount) * 1_000_000_000n - 10_000n],
      ]);
      await node.rpc("sendrawtransaction", fanout.hex);
      for (let k = 0; k < perAccount; k++) leaves.push({ coin: { txid: fanout.txid, vout: k, value: 1_000_000_000n }, from: i });
    }
    await node.rpc("generatetoaddress", 1, addr(9));
    const txs = leaves.map(({ coin, from }) => pay([coin], from, [[accounts[(from + 1) % 10].pubkey, coin.value - 1_000n]]));
    // signing blocked this loop for seconds: let the HTTP client drop sockets the server closed meanwhile
    await new Promise((r) => setTimeout(r, 50));

    // raw: the verification each of these transactions needs, nothing else
    let t = performance.now();
    const c0 = process.cpuUsage();
    for (const p of txs) {
      if (!verifySchnorr(p.tx.inputs[0].witness, sighash(p.tx, p.spent, 0), p.spent[0].pubkey)) throw new Error("bad signature");
    }
    const c1 = process.cpuUsage(c0);
    const raw = N / ((performance.now() - t) / 1000);
    const rawCpu = (c1.user + c1.system) / 1e6 / N;
    const nodeCpu0 = node.cpu();

    // over RPC: decode, every policy and consensus rule, the pool, the event log
    t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: INFLIGHT }, async () => {
        while (next < txs.length) await node.rpc("sendrawtransaction", txs[next++].hex);
      }),
    );
    const rpc = N / ((performance.now() - t) / 1000);
    const nodeCpu = (node.cpu() - nodeCpu0) / N;
    const pool = await node.rpc("getrawmempool");
    if (pool.length !== N) throw new Error(`pool holds ${pool.length}, expected ${N}`);
    const info = await node.rpc("getmemoryinfo");
    console.log(`node verifier: ${info.verifier.backend} on ${info.verifier.threads} threads; this process verifies with ${backend.name}`);
    console.log(`raw BIP340 verifications/s (this process):     ${raw.toFixed(0)}`);
    console.log(`sendrawtransaction tx/s over RPC (1 sig each):  ${rpc.toFixed(0)}  (${N} txs, ${INFLIGHT} in flight)`);
    console.log(`ratio RPC / raw, wall time:                     ${(rpc / raw).toFixed(2)}  (client and node share 2 cores)`);
    console.log(
      `CPU per tx: raw verify ${(rawCpu * 1000).toFixed(2)} ms, node per sendrawtransaction ${(nodeCpu * 1000).toFixed(2)} ms (HTTP, JSON, decode, policy, verify, event log)`,
    );
    console.log(
      `ratio RPC / raw, CPU time:                      ${(rawCpu / nodeCpu).toFixed(2)}  (target >= 0.80: ${rawCpu / nodeCpu >= 0.8 ? "met" : "missed"})`,
    );
    console.log(
      `node CPU per sendrawtransaction / one raw verification: ${(nodeCpu / rawCpu).toFixed(2)}  (target <= 1.3: ${nodeCpu / rawCpu <= 1.3 ? "met" : "missed"})`,
    );
  } finally {
    await node.stop();
  }
}

async function memoryWith100kUtxos() {
  const dir = mkdtempSync(join(tmpdir(), "utxolab-bench-mem-"));
  try {
    let node = await startNode(["--datadir", dir]);
    // 50 transactions of 2,000 outputs each, chained through their change, mined every 10
    const OUTS = 2000;
    let coin = { txid: gTxid, vout: 0, value: 100_000_000_000n };
    let t = performance.now();
    for (let k = 0; k < 50; k++) {
      const outs = Array.from({ length: OUTS }, () => [accounts[1 + (k % 8)].pubkey, 600n]);
      const fee = 100_000n;
      const change = coin.value - BigInt(OUTS) * 600n - fee;
      const p = pay([coin], 0, [...outs, [accounts[0].pubkey, change]]);
      await node.rpc("sendrawtransaction", p.hex);
      coin = { txid: p.txid, vout: OUTS, value: change };
      if (k % 10 === 9) await node.rpc("generatetoaddress", 1, addr(9));
    }
    const built = (performance.now() - t) / 1000;
    const rssBuilt = node.rss();
    // V8 returns garbage of the build to the OS once the node is idle for a while
    const idle = [];
    for (let s = 0; s < 4; s++) {
      await new Promise((r) => setTimeout(r, 2500));
      idle.push(node.rss());
    }
    const mem = await node.rpc("getmemoryinfo");
    const v = await node.rpc("verifyledger");
    const rssVerified = node.rss();
    await node.stop();
    t = performance.now();
    node = await startNode(["--datadir", dir]);
    const startSecs = (performance.now() - t) / 1000;
    const rssLoaded = node.rss();
    await node.stop();
    console.log(`node memory after building: ${JSON.stringify(mem)}`);
    console.log(`chain with ${v.utxos} unspent outputs on LevelDB built in ${built.toFixed(1)} s (verifyledger ok: ${v.ok})`);
    console.log(
      `node resident memory right after building: ${rssBuilt.toFixed(0)} MB; idle 2.5/5/7.5/10 s later: ${idle.map((x) => x.toFixed(0)).join("/")} MB; after a verifyledger replay: ${rssVerified.toFixed(0)} MB`,
    );
    console.log(
      `node resident memory after a restart: ${rssLoaded.toFixed(0)} MB (start incl. loading the UTXO set: ${startSecs.toFixed(1)} s)  (target < 250 MB, idle after building and after a restart: ${Math.max(idle.at(-1), rssLoaded) < 250 ? "met" : "missed"})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await rpcThroughput();
if (!process.env.BENCH_ONLY_RPC) await memoryWith100kUtxos();
