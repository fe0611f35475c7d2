// Growth: does a block cost the same at height 10,000 as at 1,000? A `utxolab node` on
// LevelDB grows its chain with generatetoaddress; at each checkpoint height a block of
// TXS one-signature payments (never seen before, so every signature is verified) is
// submitted with submitblock and timed, then the node is restarted: start-up time and
// resident memory. Usage: node scripts/bench/growth.mjs [--heights 1000,10000] [--txs 100]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildBlock,
  bytesToHex,
  DEVNET,
  devnetAccounts,
  encodeAddress,
  encodeBlock,
  encodeTx,
  genesisBlock,
  signTx,
  subsidyAt,
  txid,
  utf8,
} from "../../packages/core/dist/index.js";
import { useBackend } from "../../packages/core/dist/native/index.js";
import { arg, startNode } from "./common.mjs";

const HEIGHTS = arg("heights", "1000,10000").split(",").map(Number);
const TXS = Number(arg("txs", 100));
const accounts = devnetAccounts();
const gTxid = txid(genesisBlock(DEVNET).txs[0]);
await useBackend(process.env.UTXOLAB_VERIFIER ?? "auto");

const dir = mkdtempSync(join(tmpdir(), "utxolab-bench-growth-"));
try {
  let node = await startNode(["--datadir", dir]);
  // genesis coin 0 split into TXS x checkpoints coins for the measured blocks
  const n = TXS * HEIGHTS.length;
  const each = 100_000_000n;
  const fanU = {
    version: 1,
    inputs: [{ prevTxid: gTxid, vout: 0, witness: new Uint8Array(64) }],
    outputs: [
      ...Array.from({ length: n }, () => ({ value: each, pubkey: accounts[1].pubkey })),
      { value: 100_000_000_000n - BigInt(n) * each - 100_000n, pubkey: accounts[0].pubkey },
    ],
    locktime: 0,
  };
  const fan = signTx(fanU, [{ value: 100_000_000_000n, pubkey: accounts[0].pubkey }], [accounts[0].sk]);
  await node.rpc("sendrawtransaction", bytesToHex(encodeTx(fan)));
  const fanId = txid(fan);
  const to = encodeAddress(accounts[9].pubkey, DEVNET.hrp);
  console.log(`growth: checkpoints at ${HEIGHTS.join(", ")}; ${TXS} payments (one signature each) per measured block; LevelDB`);
  const rows = [];
  let used = 0;
  const t0 = performance.now();
  for (const target of HEIGHTS) {
    for (let h = (await node.rpc("getblockchaininfo")).height; h < target - 1; h = (await node.rpc("getblockchaininfo")).height) {
      await node.rpc("generatetoaddress", Math.min(500, target - 1 - h), to);
    }
    const info = await node.rpc("getblockchaininfo");
    const txs = [];
    for (let k = 0; k < TXS; k++, used++) {
      const u = {
        version: 1,
        inputs: [{ prevTxid: fanId, vout: used, witness: new Uint8Array(64) }],
        outputs: [{ value: each - 1000n, pubkey: accounts[2].pubkey }],
        locktime: 0,
      };
      txs.push(signTx(u, [{ value: each, pubkey: accounts[1].pubkey }], [accounts[1].sk]));
    }
    const height = info.height + 1;
    const block = buildBlock(
      {
        prevHash: info.bestBlockHash,
        height,
        time: Math.max(Math.floor(Date.now() / 1000), info.medianTime + 1),
        coinbaseOutputs: [{ value: subsidyAt(height, DEVNET) + BigInt(TXS) * 1000n, pubkey: accounts[9].pubkey }],
        txs,
        coinbaseExtra: utf8("growth"),
      },
      DEVNET,
    );
    const hex = bytesToHex(encodeBlock(block));
    const t = performance.now();
    const r = await node.rpc("submitblock", hex);
    const connectMs = performance.now() - t;
    if (r !== null) throw new Error(`the measured block at ${height} was refused: ${r}`);
    const rssRunning = node.rss();
    await node.stop();
    node = await startNode(["--datadir", dir]);
    const mem = await node.rpc("getmemoryinfo");
    rows.push({
      height,
      connectMs,
      startSecs: node.startSecs,
      rssRunning,
      rssStarted: node.rss(),
      utxos: mem.utxos,
      verifier: mem.verifier,
    });
    console.log(
      `height ${height}: connect of a ${TXS}-tx block ${connectMs.toFixed(1)} ms (${((connectMs / TXS) * 1000).toFixed(0)} us/tx); start-up ${node.startSecs.toFixed(2)} s; RSS ${rssRunning.toFixed(0)} MB running, ${node.rss().toFixed(0)} MB after restart; ${mem.utxos} UTXOs; ${mem.verifier.backend} x ${mem.verifier.threads} (${((performance.now() - t0) / 1000).toFixed(0)} s so far)`,
    );
  }
  await node.stop();
  if (rows.length > 1) {
    const a = rows[0];
    const b = rows[rows.length - 1];
    console.log(
      `ratio connect at ${b.height} / at ${a.height}: ${(b.connectMs / a.connectMs).toFixed(2)} (flat = 1; one block each, so expect noise); start-up ${(b.startSecs / a.startSecs).toFixed(2)}x; RSS after restart ${(b.rssStarted / a.rssStarted).toFixed(2)}x`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
