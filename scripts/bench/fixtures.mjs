// Chain fixtures: how long `--load-chain` adds to a node's start, beside a plain start of the
// same node in the same run, for (a) 101 blocks of coinbases only (the usual "mature coins"
// fixture) and (b) 200 blocks each carrying one signed payment (target: well under a second;
// (b) is bound by signature verification, about 10 ms each with the pure-JS verifier).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEVNET, devnetAccounts, genesisBlock, signTx, txid } from "../../packages/core/dist/index.js";
import { dumpChain, UtxoNode } from "../../packages/node/dist/index.js";

const quiet = { memory: true, rpcPort: 0, p2pPort: 0, rpcToken: "bench", web: false, log: () => undefined };
const accounts = devnetAccounts();
const dir = mkdtempSync(join(tmpdir(), "utxolab-bench-fixture-"));
try {
  const plainSrc = await UtxoNode.start(quiet);
  await plainSrc.miner.generate(101, accounts[1].pubkey);
  const coinbaseFile = join(dir, "coinbase.txt");
  await dumpChain(plainSrc, coinbaseFile);
  await plainSrc.stop();

  const src = await UtxoNode.start(quiet);
  // 200 blocks, each with one payment spending the previous one's output
  const g = genesisBlock(DEVNET).txs[0];
  let prev = { txid: txid(g), vout: 0, value: g.outputs[0].value };
  for (let h = 0; h < 200; h++) {
    const value = prev.value - 1000n;
    const tx = {
      version: 1,
      inputs: [{ prevTxid: prev.txid, vout: prev.vout, witness: new Uint8Array(64) }],
      outputs: [{ value, pubkey: accounts[0].pubkey }],
      locktime: 0,
    };
    const signed = signTx(tx, [{ value: prev.value, pubkey: accounts[0].pubkey }], [accounts[0].sk]);
    const r = src.submitTx(signed, "bench");
    if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
    await src.miner.generate(1, accounts[1].pubkey);
    prev = { txid: txid(signed), vout: 0, value };
  }
  const file = join(dir, "chain.txt");
  const dump = await dumpChain(src, file);
  await src.stop();

  const time = async (cfg) => {
    const t0 = performance.now();
    const n = await UtxoNode.start(cfg);
    const ms = performance.now() - t0;
    const height = n.chain.height;
    await n.stop();
    return { ms, height };
  };
  const runs = 3;
  const plain = [];
  const coinbaseOnly = [];
  const loaded = [];
  for (let i = 0; i < runs; i++) {
    plain.push((await time(quiet)).ms);
    const c = await time({ ...quiet, loadChain: coinbaseFile });
    if (c.height !== 101) throw new Error(`loaded height ${c.height}`);
    coinbaseOnly.push(c.ms);
    const r = await time({ ...quiet, loadChain: file });
    if (r.height !== 200) throw new Error(`loaded height ${r.height}`);
    loaded.push(r.ms);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`node start, plain:                           ${med(plain).toFixed(0)} ms (median of ${runs})`);
  console.log(
    `node start, --load-chain 101 coinbase blocks: ${med(coinbaseOnly).toFixed(0)} ms (${(med(coinbaseOnly) / med(plain)).toFixed(1)}x plain)`,
  );
  console.log(
    `node start, --load-chain 200 blocks + 200 signed payments (${dump.bytes} bytes): ${med(loaded).toFixed(0)} ms (${(med(loaded) / med(plain)).toFixed(1)}x plain)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
