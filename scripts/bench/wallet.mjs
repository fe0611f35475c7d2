// Wallet: a wallet holding 5,000 UTXOs must answer `balance` and build a `send` in under a second.
// Part 1 measures the library on a synthetic wallet (no node): loading the file, the balance,
// coin selection, building and signing. Part 2 starts a real node (`utxolab node --memory`),
// gives a wallet 5,000 coins through the chain, and times the commands end to end over RPC.
// Run after `pnpm exec tsc -b`:  node scripts/bench/wallet.mjs  [--no-node]
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runWalletCommand } from "../../packages/cli/dist/wallet/command.js";
import { RpcClient } from "../../packages/client/dist/index.js";
import {
  blockHash,
  bytesToHex,
  COIN,
  DEVNET,
  devnetAccounts,
  encodeAddress,
  encodeTx,
  genesisBlock,
  hexToBytes,
  makeCoinbase,
  merkleRoot,
  signTx,
  txid,
} from "../../packages/core/dist/index.js";
import { useBackend } from "../../packages/core/dist/native/index.js";
import { balanceOf, buildPayment, selectCoins, signPayment, spendableCoins, spentOf, Wallet } from "../../packages/wallet/dist/index.js";

// signatures go through core's seam: libsecp256k1 unless UTXOLAB_VERIFIER=noble
const secpBackend = await useBackend(process.env.UTXOLAB_VERIFIER ?? "auto");
console.log(`BIP340 backend: ${secpBackend.name}`);

const COINS = 5_000;
const TARGET_MS = 1_000;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

const ms = (t0) => performance.now() - t0;
const fmt = (v) => `${v.toFixed(1)} ms`;
function report(name, t) {
  console.log(`${name.padEnd(44)} ${fmt(t).padStart(10)}   ${(t / TARGET_MS).toFixed(3)}x of the ${TARGET_MS} ms budget`);
}

// ---- part 1: library on a synthetic wallet ----
{
  const dir = mkdtempSync(join(tmpdir(), "utxolab-wallet-bench-"));
  const w = Wallet.create(join(dir, "w.json"), { mnemonic: MNEMONIC, passphrase: null });
  w.applyBlock(genesisBlock(DEVNET), 0);
  const keys = w.keys.filter((k) => k.chain === 0);
  // 5,000 outputs over the wallet's first receive keys, of varied value.
  const outputs = Array.from({ length: COINS }, (_, i) => ({
    value: BigInt(20_000 + ((i * 7919) % 1_000_000)),
    pubkey: hexToBytes(keys[i % keys.length].pubkey),
  }));
  const funding = { version: 1, inputs: [{ prevTxid: "11".repeat(32), vout: 0, witness: new Uint8Array(64) }], outputs, locktime: 0 };
  const txs = [makeCoinbase(1, [{ value: 1n, pubkey: new Uint8Array(32) }]), funding];
  const g = genesisBlock(DEVNET);
  w.applyBlock(
    {
      header: {
        version: 1,
        prevHash: blockHash(g.header),
        merkleRoot: merkleRoot(txs.map(txid)),
        time: g.header.time + 1,
        bits: DEVNET.bits,
        nonce: 0,
      },
      txs,
    },
    1,
  );
  await w.save();

  let t0 = performance.now();
  const loaded = await Wallet.load(w.file, "bench");
  const tLoad = ms(t0);
  const view = { tipHeight: 1, tipHash: "00".repeat(32), pending: [], spentByPending: new Map(), dropped: [] };
  t0 = performance.now();
  const b = balanceOf(loaded, view);
  const tBal = ms(t0);
  console.log(`part 1: library, synthetic wallet with ${loaded.coins.size} coins (${b.spendable} units)`);
  report("load wallet file", tLoad);
  report("balance", tBal);
  const payload = loaded.secretPayload(null);
  for (const amount of [50_000n, 3_000_000n, 200_000_000n, 1_000_000_000n]) {
    t0 = performance.now();
    const coins = spendableCoins(loaded, view);
    const plan = selectCoins(coins, { amount, feeRate: 2n });
    const tSel = ms(t0);
    if (!plan.ok && plan.kind === "too-large") {
      report(`select ${amount} units: refused, needs ${plan.needed} > ${plan.maxInputs} inputs`, tSel);
      continue;
    }
    if (!plan.ok) throw new Error(`selection failed for ${amount}`);
    t0 = performance.now();
    const tx = buildPayment(plan, new Uint8Array(32).fill(5), hexToBytes(loaded.peekChangeKey().pubkey));
    const signed = signPayment(
      tx,
      spentOf(plan.inputs),
      loaded.signingKeys(
        payload,
        plan.inputs.map((c) => c.pubkey),
      ),
    );
    const tSign = ms(t0);
    encodeTx(signed);
    report(`select ${amount} units (${plan.inputs.length} inputs, change ${plan.change > 0n ? "yes" : "no"})`, tSel);
    report(`  build + sign ${plan.inputs.length} inputs`, tSign);
    report("  load + balance + select + build + sign", tLoad + tBal + tSel + tSign);
  }
}

// ---- part 2: against a node process ----
if (process.argv.includes("--no-node")) process.exit(0);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const token = "bench";
const node = spawn(
  process.execPath,
  [join(ROOT, "packages/cli/bin/utxolab.js"), "node", "--memory", "--rpc-port", String(port), "--p2p-port", "0", "--rpc-token", token],
  {
    stdio: ["ignore", "ignore", "inherit"],
  },
);
try {
  const rpc = new RpcClient({ url, token });
  for (let i = 0; ; i++) {
    try {
      await rpc.call("getblockchaininfo");
      break;
    } catch (e) {
      if (i > 300) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const datadir = mkdtempSync(join(tmpdir(), "utxolab-wallet-bench-node-"));
  const run = async (args) => {
    const out = [];
    const err = [];
    const t0 = performance.now();
    const code = await runWalletCommand([...args, "--datadir", datadir, "--rpc", url, "--rpc-token", token], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: {},
    });
    const t = ms(t0);
    if (code !== 0) throw new Error(`wallet ${args.join(" ")}: ${err.join("\n")}`);
    return { t, out: out.join("\n") };
  };
  await run(["import", "--mnemonic", MNEMONIC, "--insecure-devnet", "--wallet", "big"]);
  const w = await Wallet.load(join(datadir, "wallets", "big.json"), "big");
  const keys = w.keys.filter((k) => k.chain === 0);
  // Fund 5,000 outputs from the ten genesis coins (policy caps a transaction at 100,000 bytes: 500 outputs each).
  const g = genesisBlock(DEVNET);
  const accounts = devnetAccounts();
  for (let a = 0; a < 10; a++) {
    const outputs = Array.from({ length: COINS / 10 }, (_, i) => ({
      value: BigInt(100_000 + (((a * 500 + i) * 7919) % 5_000_000)),
      pubkey: hexToBytes(keys[i % keys.length].pubkey),
    }));
    const total = outputs.reduce((s, o) => s + o.value, 0n);
    outputs.push({ value: 1000n * COIN - total - 50_000n, pubkey: accounts[a].pubkey });
    const tx = signTx(
      { version: 1, inputs: [{ prevTxid: txid(g.txs[0]), vout: a, witness: new Uint8Array(0) }], outputs, locktime: 0 },
      [g.txs[0].outputs[a]],
      [accounts[a].sk],
    );
    await rpc.call("sendrawtransaction", [bytesToHex(encodeTx(tx))]);
  }
  await rpc.call("generatetoaddress", [1, encodeAddress(new Uint8Array(32).fill(3), DEVNET.hrp)]);
  console.log(`part 2: node process, wallet with ${COINS} coins received through the chain`);
  report("balance (first sync: scans the chain)", (await run(["balance", "--wallet", "big"])).t);
  report("balance (synced)", (await run(["balance", "--wallet", "big"])).t);
  report("utxos (synced)", (await run(["utxos", "--wallet", "big"])).t);
  report(
    "send 3 coins --dry-run (sync, select, sign, test)",
    (await run(["send", encodeAddress(new Uint8Array(32).fill(4), DEVNET.hrp), "3", "--wallet", "big", "--dry-run"])).t,
  );
  report(
    "send 0.5 coins (sync, select, sign, broadcast, save)",
    (await run(["send", encodeAddress(new Uint8Array(32).fill(4), DEVNET.hrp), "0.5", "--wallet", "big"])).t,
  );
  report("balance with the payment pending", (await run(["balance", "--wallet", "big"])).t);
} finally {
  node.kill("SIGTERM");
}
