import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cp } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { RpcClient } from "@utxolab/client";
import {
  type Amount,
  blockHash,
  buildBlock,
  bytesToHex,
  COIN,
  DEVNET,
  devnetAccounts,
  encodeAddress,
  encodeBlock,
  genesisBlock,
  type Hash,
  signTx,
  txid,
} from "@utxolab/core";
import { feeFor } from "@utxolab/wallet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../wallet/test/fixtures.js";
import { runWalletCommand } from "../../src/wallet/command.js";

const ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
const BIN = join(ROOT, "packages/cli/bin/utxolab.js");
const TOKEN = "e2e-token";

let node: ChildProcess;
let url: string;
let rpc: RpcClient;
let nodeLog = "";
let bobPhrase = "";
const datadir = tempDir("utxolab-wallet-e2e-");
const SINK = encodeAddress(new Uint8Array(32).fill(7), DEVNET.hrp);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Run {
  code: number;
  out: string;
  err: string;
}

async function wallet(args: string[], env: NodeJS.ProcessEnv = {}, dir = datadir): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runWalletCommand([...args, "--datadir", dir, "--rpc", url, "--rpc-token", TOKEN], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function ok(args: string[], env: NodeJS.ProcessEnv = {}, dir = datadir): Promise<Run> {
  const r = await wallet(args, env, dir);
  if (r.code !== 0) throw new Error(`wallet ${args.join(" ")} failed (${r.code}): ${r.err}`);
  return r;
}

const json = async (args: string[], env: NodeJS.ProcessEnv = {}) => JSON.parse((await ok([...args, "--json"], env)).out);
const mine = (n = 1, to = SINK) => rpc.call<Hash[]>("generatetoaddress", [n, to]);
const walletFile = (name: string, dir = datadir) => join(dir, "wallets", `${name}.json`);

beforeAll(async () => {
  if (!existsSync(join(ROOT, "packages/cli/dist/main.js"))) throw new Error("build first: pnpm exec tsc -b");
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  node = spawn(process.execPath, [BIN, "node", "--memory", "--rpc-port", String(port), "--p2p-port", "0", "--rpc-token", TOKEN], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  node.stdout?.on("data", (d) => (nodeLog += d));
  node.stderr?.on("data", (d) => (nodeLog += d));
  rpc = new RpcClient({ url, token: TOKEN });
  // Wait until the node answers (readiness, not a timing assertion).
  for (let i = 0; ; i++) {
    try {
      await rpc.call("getblockchaininfo");
      break;
    } catch (e) {
      if (node.exitCode !== null || i > 300) throw new Error(`the node did not start: ${nodeLog || String(e)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await ok(["import-devnet", "--insecure-devnet", "--wallet", "dev"]);
  bobPhrase = (await json(["create", "--wallet", "bob", "--passphrase", "bob-pw"])).mnemonic;
});

afterAll(async () => {
  if (node && node.exitCode === null) {
    const exited = new Promise((r) => node.once("exit", r));
    node.kill("SIGTERM");
    await exited;
  }
});

describe("wallet against a running node", () => {
  it("imports the devnet accounts, pays another wallet, and both see it confirmed with the fee", async () => {
    const start = await json(["balance", "--wallet", "dev"]);
    expect(start.spendable).toBe((10_000n * COIN).toString());
    const bobAddr = (await ok(["address", "--wallet", "bob"])).out;
    const sent = await json(["send", bobAddr, "12.5", "--wallet", "dev"]);
    expect(sent.amount).toBe("1250000000");
    expect(sent.fee).toBe(feeFor(1, 2, 1n).toString());

    const pending = await json(["balance", "--wallet", "bob"]);
    expect(pending.pendingIn).toBe("1250000000");
    expect(pending.spendable).toBe("0");
    const devPending = await json(["balance", "--wallet", "dev"]);
    expect(devPending.pendingOut).toBe((1000n * COIN).toString());

    await mine(1);
    const bob = await json(["balance", "--wallet", "bob"]);
    expect(bob).toMatchObject({ spendable: "1250000000", pendingIn: "0" });
    const hist = (await json(["history", "--wallet", "dev"])).history;
    expect(hist[0]).toMatchObject({ txid: sent.txid, kind: "sent", amount: "1250000000", fee: sent.fee, confirmations: 1 });
    const bobHist = (await json(["history", "--wallet", "bob"])).history;
    expect(bobHist[0]).toMatchObject({ txid: sent.txid, kind: "received", amount: "1250000000", confirmations: 1 });
    const utxos = (await json(["utxos", "--wallet", "bob"])).utxos;
    expect(utxos).toEqual([expect.objectContaining({ txid: sent.txid, value: "1250000000", confirmations: 1, status: "spendable" })]);
  });

  it("dry-runs a payment through testmempoolaccept without sending or changing the wallet", async () => {
    const before = readFileSync(walletFile("dev"), "utf8");
    const r = await ok(["send", SINK, "1", "--wallet", "dev", "--dry-run"]);
    expect(r.out).toMatch(/dry run/);
    expect(r.out).toMatch(/the node would accept it/);
    expect(readFileSync(walletFile("dev"), "utf8")).toBe(before);
    expect(await rpc.call<string[]>("getrawmempool")).toEqual([]);
  });

  it("asks before `send … max` empties public devnet accounts, and sends with --yes", async () => {
    const before = readFileSync(walletFile("dev"), "utf8");
    // no terminal to ask on: refused, nothing signed
    const r = await wallet(["send", SINK, "max", "--wallet", "dev"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("whole, with no change back");
    expect(r.err).toContain("from public devnet accounts 1, 2, 3, 4, 5, 6, 7, 8, 9");
    expect(r.err).toContain("add --yes");
    // a terminal answering anything but yes: refused too
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    tty.end("no\n");
    const said: string[] = [];
    const code = await runWalletCommand(
      ["send", SINK, "max", "--wallet", "dev", "--datadir", datadir, "--rpc", url, "--rpc-token", TOKEN],
      {
        out: () => undefined,
        err: (l) => said.push(l),
        env: {},
        stdin: tty,
      },
    );
    expect(code).toBe(2);
    expect(said.join("\n")).toContain("Type yes to send:");
    expect(said.join("\n")).toContain("not sent");
    expect(await rpc.call<string[]>("getrawmempool")).toEqual([]);
    expect(readFileSync(walletFile("dev"), "utf8")).toBe(before);
    // --yes: sent (one coin here, so the other tests keep theirs)
    const coin = (await json(["utxos", "--wallet", "dev"])).utxos.find((u: { value: string }) => u.value === (1000n * COIN).toString());
    const yes = await json(["send", SINK, "max", "--from", `${coin.txid}:${coin.vout}`, "--yes", "--wallet", "dev"]);
    expect(await rpc.call<string[]>("getrawmempool")).toEqual([yes.txid]);
    await mine(1);
  });

  it("sends max (no change, exact fee) and takes the fee from the amount with --subtract-fee", async () => {
    const devAddr = encodeAddress(devnetAccounts()[3].pubkey, DEVNET.hrp);
    const max = await json(["send", devAddr, "max", "--wallet", "bob", "--passphrase", "bob-pw"]);
    expect(max.change).toBe("0");
    expect(max.fee).toBe(feeFor(1, 1, 1n).toString());
    expect(BigInt(max.amount)).toBe(1_250_000_000n - feeFor(1, 1, 1n));
    await mine(1);
    expect((await json(["balance", "--wallet", "bob"])).spendable).toBe("0");

    const bobAddr = (await ok(["address", "--wallet", "bob"])).out;
    const sub = await json(["send", bobAddr, "2", "--subtract-fee", "--fee-rate", "3", "--wallet", "dev"]);
    expect(BigInt(sub.amount)).toBe(2n * COIN - feeFor(1, 2, 3n));
    expect(sub.fee).toBe(feeFor(1, 2, 3n).toString());
    await mine(1);
    expect((await json(["balance", "--wallet", "bob"])).spendable).toBe((2n * COIN - feeFor(1, 2, 3n)).toString());
  });

  it("refuses an overspend with the available, required, immature and pending amounts", async () => {
    const bobAddr = (await ok(["address", "--wallet", "bob"])).out;
    await mine(1, bobAddr); // a coinbase reward: immature
    await ok(["send", bobAddr, "0.5", "--wallet", "dev"]); // pending in
    const b = await json(["balance", "--wallet", "bob"]);
    expect(BigInt(b.immature)).toBeGreaterThanOrEqual(50n * COIN);
    const r = await wallet(["send", SINK, "100", "--wallet", "bob", "--passphrase", "bob-pw"]);
    expect(r.code).toBe(1);
    const spendable = BigInt(b.spendable);
    expect(r.err).toContain(`needs 100.00000${feeFor(1, 1, 1n)} coins (amount 100 + fee 0.00000${feeFor(1, 1, 1n)} at 1 unit/byte)`);
    expect(r.err).toContain(`only ${Number(spendable) / 1e8} coins are spendable`);
    expect(r.err).toContain(`immature ${Number(BigInt(b.immature)) / 1e8} coins`);
    expect(r.err).toContain("pending in 0.5 coins");
    await mine(1);
  });

  it("spends its own unconfirmed change (trusted pending, as Core), never a stranger's pending payment; follows a reorg", async () => {
    await ok(["create", "--wallet", "carol", "--insecure-devnet"]);
    const carol = (await ok(["address", "--wallet", "carol"])).out;
    await ok(["send", carol, "1", "--wallet", "dev"]);
    await mine(1);
    const first = await json(["send", SINK, "0.3", "--wallet", "carol"]);
    const change = BigInt(first.change);
    expect(change).toBe(COIN - 30_000_000n - BigInt(first.fee));
    const b1 = await json(["balance", "--wallet", "carol"]);
    expect(b1).toMatchObject({ spendable: "0", pendingIn: change.toString(), trustedPending: change.toString() });
    expect((await ok(["balance", "--wallet", "carol"])).out).toMatch(/your own change: spendable now/);
    // a payment from another wallet, still waiting, is not spendable
    await ok(["send", carol, "2", "--wallet", "dev"]);
    const tooMuch = await wallet(["send", SINK, "1", "--wallet", "carol"]);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.err).toContain(`of it your unconfirmed change`);
    // the change alone pays this one: a child of the first payment, accepted by the pool
    const second = await json(["send", SINK, "0.5", "--wallet", "carol"]);
    const pool = await rpc.call<string[]>("getrawmempool");
    expect(pool).toEqual(expect.arrayContaining([first.txid, second.txid]));
    const entry = await rpc.call<{ parents: string[] }>("getmempoolentry", [second.txid]);
    expect(entry.parents).toEqual([first.txid]);
    // a reorganization puts both back in the pool: the wallet still counts the second's change
    const [block] = await mine(1);
    expect((await json(["balance", "--wallet", "carol"])).trustedPending).toBe("0");
    await rpc.call("invalidateblock", [block]);
    const b2 = await json(["balance", "--wallet", "carol"]);
    expect(b2.trustedPending).toBe(second.change);
    await rpc.call("reconsiderblock", [block]);
    const done = await json(["balance", "--wallet", "carol"]);
    expect(BigInt(done.spendable)).toBe(2n * COIN + BigInt(second.change));
    expect(done.trustedPending).toBe("0");
  });

  it("refuses a wrong passphrase and leaves the wallet file unchanged", async () => {
    await ok(["balance", "--wallet", "bob"]);
    const before = readFileSync(walletFile("bob"), "utf8");
    const r = await wallet(["send", SINK, "0.1", "--wallet", "bob", "--passphrase", "nope"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/wrong passphrase for wallet .*bob\.json/);
    expect(readFileSync(walletFile("bob"), "utf8")).toBe(before);
    expect(await rpc.call<string[]>("getrawmempool")).toEqual([]);
  });

  it("lets exactly one of two wallets racing for the same coin win; the node's reason reaches the loser unchanged", async () => {
    await ok(["import-devnet", "--insecure-devnet", "--wallet", "twin-a"]);
    await ok(["import-devnet", "--insecure-devnet", "--wallet", "twin-b"]);
    const g = txid(genesisBlock(DEVNET).txs[0]);
    const coin = `${g}:7`;
    // Deterministic: B builds and signs first, A broadcasts, then B broadcasts.
    const u = join(datadir, "race.json");
    const s = join(datadir, "race-signed.json");
    await ok(["mktx", SINK, "1", "--from", coin, "--wallet", "twin-b", "--out", u]);
    await ok(["sign", u, "--out", s, "--wallet", "twin-b"]);
    await ok(["send", SINK, "2", "--from", coin, "--wallet", "twin-a"]);
    const lost = await wallet(["broadcast", s, "--wallet", "twin-b"]);
    expect(lost.code).toBe(1);
    expect(lost.err).toMatch(/the node refused the transaction: txn-mempool-conflict/);
    await mine(1);

    // Truly concurrent: one wins, the other is refused (by the node, or by its own view of the pool).
    const other = `${g}:8`;
    const beforeA = readFileSync(walletFile("twin-a"), "utf8");
    const beforeB = readFileSync(walletFile("twin-b"), "utf8");
    const [a, b] = await Promise.all([
      wallet(["send", SINK, "3", "--from", other, "--wallet", "twin-a"]),
      wallet(["send", SINK, "4", "--from", other, "--wallet", "twin-b"]),
    ]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.err).toMatch(/txn-mempool-conflict|is already being spent by waiting transaction/);
    expect(readFileSync(walletFile(a.code === 1 ? "twin-a" : "twin-b"), "utf8")).toBe(a.code === 1 ? beforeA : beforeB);
    await mine(1);
  });

  it("makes a transaction online, signs it on a copy with no node, and broadcasts it", async () => {
    const offline = tempDir("utxolab-wallet-offline-");
    await cp(join(datadir, "wallets"), join(offline, "wallets"), { recursive: true });
    const u = join(datadir, "offline-unsigned.json");
    const s = join(datadir, "offline-signed.json");
    const bobAddr = (await ok(["address", "--wallet", "bob"])).out;
    await ok(["mktx", bobAddr, "3", "--wallet", "dev", "--out", u]);
    // No --rpc to a live node: sign never calls one.
    const out: string[] = [];
    const err: string[] = [];
    const code = await runWalletCommand(["sign", u, "--out", s, "--wallet", "dev", "--datadir", offline, "--rpc", "http://127.0.0.1:1"], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: {},
    });
    expect(code, err.join("\n")).toBe(0);
    const signed = JSON.parse(readFileSync(s, "utf8"));
    const r = await ok(["broadcast", s, "--wallet", "dev"]);
    expect(r.out).toContain(signed.txid);
    expect(await rpc.call<string[]>("getrawmempool")).toContain(signed.txid);
    const hist = (await json(["history", "--wallet", "dev"])).history;
    expect(hist[0]).toMatchObject({ txid: signed.txid, status: "pending", kind: "sent", amount: "300000000" });
    await mine(1);
  });

  it("follows a reorganization: a payment in a replaced block shows as pending again", async () => {
    const bobAddr = (await ok(["address", "--wallet", "bob"])).out;
    const paid = await json(["send", bobAddr, "7", "--wallet", "dev"]);
    const [h1] = await mine(1);
    const confirmed = (await json(["history", "--wallet", "bob"])).history.find((t: { txid: string }) => t.txid === paid.txid);
    expect(confirmed).toMatchObject({ status: "confirmed", confirmations: 1 });

    // A heavier branch from the block's parent, without the payment.
    const tip = await rpc.call<{ height: number; prevHash: Hash; time: number }>("getblock", [h1, true]);
    const parent = await rpc.call<{ time: number }>("getblock", [tip.prevHash, true]);
    let prev = tip.prevHash;
    let time = Math.max(parent.time, tip.time) + 1;
    for (let i = 0; i < 2; i++) {
      const block = buildBlock(
        {
          prevHash: prev,
          height: tip.height + i,
          time: time++,
          coinbaseOutputs: [{ value: (50n * COIN) as Amount, pubkey: new Uint8Array(32).fill(9) }],
        },
        DEVNET,
      );
      const res = await rpc.call<string | null>("submitblock", [bytesToHex(encodeBlock(block))]);
      expect(res).toBeNull();
      prev = blockHash(block.header);
    }
    expect((await rpc.call<{ bestBlockHash: Hash }>("getblockchaininfo")).bestBlockHash).toBe(prev);
    const after = (await json(["history", "--wallet", "bob"])).history.find((t: { txid: string }) => t.txid === paid.txid);
    expect(after).toMatchObject({ status: "pending", confirmations: 0 });
    const bal = await json(["balance", "--wallet", "bob"]);
    expect(bal.pendingIn).toBe((7n * COIN).toString());
    await mine(1);
    const back = (await json(["history", "--wallet", "bob"])).history.find((t: { txid: string }) => t.txid === paid.txid);
    expect(back).toMatchObject({ status: "confirmed", confirmations: 1 });
  });

  it("forgets a waiting payment that a block replaced with a conflicting one", async () => {
    const coins = (await json(["utxos", "--wallet", "dev"])).utxos as {
      txid: string;
      vout: number;
      value: string;
      address: string;
      status: string;
    }[];
    const accounts = devnetAccounts();
    const coin = coins.find((c) => c.status === "spendable" && accounts.some((a) => encodeAddress(a.pubkey, DEVNET.hrp) === c.address))!;
    const owner = accounts.find((a) => encodeAddress(a.pubkey, DEVNET.hrp) === coin.address)!;
    const first = await json(["send", SINK, "1", "--from", `${coin.txid}:${coin.vout}`, "--wallet", "dev"]);

    // Another spend of the same coin, mined straight into the next block.
    const conflicting = signTx(
      {
        version: 1,
        inputs: [{ prevTxid: coin.txid as Hash, vout: coin.vout, witness: new Uint8Array(0) }],
        outputs: [{ value: (BigInt(coin.value) - 10_000n) as Amount, pubkey: new Uint8Array(32).fill(8) }],
        locktime: 0,
      },
      [{ value: BigInt(coin.value) as Amount, pubkey: owner.pubkey }],
      [owner.sk],
    );
    const info = await rpc.call<{ height: number; bestBlockHash: Hash }>("getblockchaininfo");
    const tip = await rpc.call<{ time: number }>("getblock", [info.bestBlockHash, true]);
    const block = buildBlock(
      {
        prevHash: info.bestBlockHash,
        height: info.height + 1,
        time: tip.time + 1,
        coinbaseOutputs: [{ value: (50n * COIN) as Amount, pubkey: new Uint8Array(32).fill(9) }],
        txs: [conflicting],
      },
      DEVNET,
    );
    expect(await rpc.call("submitblock", [bytesToHex(encodeBlock(block))])).toBeNull();
    expect(await rpc.call<string[]>("getrawmempool")).not.toContain(first.txid);

    const hist = (await json(["history", "--wallet", "dev"])).history as { txid: string; status: string; kind: string }[];
    expect(hist.some((t) => t.txid === first.txid)).toBe(false);
    expect(hist.find((t) => t.txid === txid(conflicting))).toMatchObject({ status: "confirmed", kind: "sent" });
    const file = JSON.parse(readFileSync(walletFile("dev"), "utf8"));
    expect(file.sent.map((r: { txid: string }) => r.txid)).not.toContain(first.txid);
  });

  it("restores a wallet from its phrase by scanning the chain: same coins, same history", async () => {
    await ok(["import", "--mnemonic", bobPhrase, "--wallet", "bob-restored", "--passphrase", "other-pw"]);
    const restored = await json(["balance", "--wallet", "bob-restored"]);
    const original = await json(["balance", "--wallet", "bob"]);
    expect(restored).toEqual(original);
    const utxos = async (name: string) => (await json(["utxos", "--wallet", name])).utxos;
    expect(await utxos("bob-restored")).toEqual(await utxos("bob"));
    const ids = async (name: string) => (await json(["history", "--wallet", name])).history.map((t: { txid: string }) => t.txid);
    expect(await ids("bob-restored")).toEqual(await ids("bob"));
    // The restored wallet knows which addresses were used and hands out the next one.
    const next = (await ok(["address", "--wallet", "bob-restored"])).out;
    expect(next).toBe((await ok(["address", "--wallet", "bob"])).out);
  });

  it("runs through the utxolab program too", async () => {
    const child = spawn(
      process.execPath,
      [BIN, "wallet", "balance", "--wallet", "dev", "--datadir", datadir, "--rpc", url, "--rpc-token", TOKEN],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(0);
    expect(out).toMatch(/spendable +\d+/);
  });
});
