import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { blockHash, bytesToHex, DEVNET, encodeAddress, encodeBlock, genesisBlock, genesisHash, hexToBytes } from "@utxolab/core";
import { accountXpub, RECEIVE, XpubDeriver } from "@utxolab/wallet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ABANDON, tempDir } from "../../../wallet/test/fixtures.js";
import { runWalletCommand } from "../../src/wallet/command.js";

interface Run {
  code: number;
  out: string;
  err: string;
}

async function wallet(datadir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runWalletCommand([...args, "--datadir", datadir], { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const GOOD = "lab1cc7r8vec5fzspqv23jjx6qpsrewukfvyr05n68l4x6re6s2ncv8qfjcjkq";

let refusing: Server;
let refusingUrl: string;
let closedUrl: string;

beforeAll(async () => {
  refusing = createServer((_req, res) => {
    res.statusCode = 401;
    res.end("unauthorized");
  });
  await new Promise<void>((r) => refusing.listen(0, "127.0.0.1", r));
  refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((r) => closed.close(r));
});

afterAll(async () => {
  await new Promise((r) => refusing.close(r));
});

describe("utxolab wallet without a node", () => {
  it("creates an encrypted wallet (mode 0600) once, showing the phrase, and refuses a second one", async () => {
    const dir = tempDir();
    const r = await wallet(dir, ["create", "--passphrase", "pw", "--rpc", closedUrl]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/recovery phrase/);
    expect(r.out).toMatch(/the node did not answer, so the first sync scans from genesis/);
    const file = join(dir, "wallets", "default.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    const phrase = /\n {2}([a-z ]+)\n/.exec(r.out)![1];
    expect(phrase.split(" ")).toHaveLength(12);
    expect(text).not.toContain(phrase.split(" ").slice(0, 2).join(" "));
    const again = await wallet(dir, ["create", "--passphrase", "pw"]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists at .*default\.json; choose another name with --wallet NAME/);
  });

  it("asks for a passphrase, from a flag or the environment, when there is no terminal", async () => {
    const dir = tempDir();
    const r = await wallet(dir, ["create"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/pass --passphrase P or set UTXOLAB_WALLET_PASSPHRASE \(or --insecure-devnet/);
    const env = await wallet(dir, ["create", "--rpc", closedUrl], { UTXOLAB_WALLET_PASSPHRASE: "from-env" });
    expect(env.code).toBe(0);
  });

  it("restores a wallet from a phrase: the same addresses on m/86'/1'/0'/0/i", async () => {
    const dir = tempDir();
    const r = await wallet(dir, ["import", "--mnemonic", ABANDON, "--insecure-devnet", "--json"]);
    expect(r.code).toBe(0);
    const d = new XpubDeriver(accountXpub(ABANDON));
    const addr = (i: number) => encodeAddress(d.pubkey(RECEIVE, i), DEVNET.hrp);
    expect(JSON.parse(r.out).address).toBe(addr(0));
    const next = await wallet(dir, ["address"]);
    expect(next.out).toBe(addr(1));
    const list = await wallet(dir, ["addresses"]);
    expect(list.out).toContain(addr(0));
    expect(list.out).toContain(addr(1));
    const bad = await wallet(tempDir(), ["import", "--mnemonic", ABANDON.replace("about", "abandon"), "--insecure-devnet"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--mnemonic: the recovery phrase has a bad checksum/);
  });

  it("refuses bad addresses and amounts before touching the wallet or the node, each with its own message", async () => {
    const dir = tempDir();
    const cases: [string, string, RegExp][] = [
      [GOOD.slice(0, -1) + (GOOD.endsWith("q") ? "p" : "q"), "1", /bad checksum/],
      ["bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr", "1", /is for network "bc", not this one \("lab"\)/],
      [GOOD, "1.123456789", /AMOUNT: "1.123456789" has more than 8 decimals/],
      [GOOD, "-1", /AMOUNT: "-1" is negative/],
      [GOOD, "21000000.00000001", /AMOUNT: .* is above MAX_MONEY/],
      [GOOD, "lots", /AMOUNT: "lots" is not a number of coins/],
      [GOOD, "1e3", /AMOUNT: "1e3" uses an exponent/],
      [GOOD, "0", /AMOUNT is 0/],
      [GOOD, "0.00000545", /AMOUNT 0.00000545 is 545 units, below the 546-unit dust limit/],
    ];
    for (const [addr, amount, re] of cases) {
      const r = await wallet(dir, ["send", addr, amount, "--rpc", closedUrl]);
      expect(r.code, `${addr} ${amount}`).toBe(2);
      expect(r.err).toMatch(re);
    }
    const fee = await wallet(dir, ["send", GOOD, "1", "--fee-rate", "1.5"]);
    expect(fee.err).toMatch(/--fee-rate "1.5" is not a whole number of units per byte/);
    const from = await wallet(dir, ["send", GOOD, "1", "--from", "abc:0"]);
    expect(from.err).toMatch(/--from "abc:0" is not TXID:VOUT/);
  });

  it("says when the node cannot be reached, or refuses the token", async () => {
    const dir = tempDir();
    await wallet(dir, ["import", "--mnemonic", ABANDON, "--insecure-devnet", "--rpc", closedUrl]);
    const down = await wallet(dir, ["balance", "--rpc", closedUrl]);
    expect(down.code).toBe(1);
    expect(down.err).toBe(`error: cannot reach the node at ${closedUrl}/rpc: is \`utxolab node\` running? pass --rpc URL`);
    const denied = await wallet(dir, ["balance", "--rpc", `${refusingUrl}/rpc`, "--rpc-token", "nope"]);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/the node refused the token: pass --rpc-token or --datadir of that node/);
    const noCookie = await wallet(dir, ["balance", "--rpc", refusingUrl]);
    expect(noCookie.err).toMatch(/no RPC cookie at .*rpc\.cookie/);
  });

  it("names a missing or corrupted wallet file", async () => {
    const dir = tempDir();
    const missing = await wallet(dir, ["balance", "--wallet", "nobody"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no wallet "nobody" at .*nobody\.json: create one with/);
    await wallet(dir, ["import", "--mnemonic", ABANDON, "--insecure-devnet", "--rpc", closedUrl]);
    const file = join(dir, "wallets", "default.json");
    writeFileSync(file, readFileSync(file, "utf8").replace('"format": "utxolab-wallet"', '"format": "something"'));
    const bad = await wallet(dir, ["address"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`wallet file ${file} is corrupted: "format" is "something"`);
  });

  it("signs offline only with the right passphrase and leaves the wallet file as it was", async () => {
    const dir = tempDir();
    await wallet(dir, ["import", "--mnemonic", ABANDON, "--passphrase", "right", "--rpc", closedUrl]);
    const file = join(dir, "wallets", "default.json");
    const before = readFileSync(file, "utf8");
    const d = new XpubDeriver(accountXpub(ABANDON));
    const pk = bytesToHex(d.pubkey(RECEIVE, 0));
    const prev = "ab".repeat(32);
    // version 1, one input with an empty witness, one output of 50000 units, locktime 0
    const tx = ["01000000", `01${prev}00000000`, "00", `0150c3000000000000${"22".repeat(32)}`, "00000000"].join("");
    const unsigned = {
      format: "utxolab-unsigned-tx",
      version: 1,
      network: "devnet",
      tx,
      spent: [{ txid: prev, vout: 0, value: "60000", pubkey: pk }],
    };
    const u = join(dir, "u.json");
    writeFileSync(u, JSON.stringify(unsigned));
    const wrong = await wallet(dir, ["sign", u, "--passphrase", "wrong"]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/wrong passphrase for wallet .*default\.json/);
    expect(readFileSync(file, "utf8")).toBe(before);
    const ok = await wallet(dir, ["sign", u, "--passphrase", "right"]);
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(/fee +0\.0001 coins/);
    expect(ok.out).toMatch(/^[0-9a-f]+$/);
    expect(hexToBytes(ok.out).length).toBe(151);
  });

  it("explains unknown commands and options", async () => {
    const dir = tempDir();
    const r = await wallet(dir, ["sned"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown wallet command "sned"; the commands are: create, import/);
    const o = await wallet(dir, ["balance", "--colour"]);
    expect(o.code).toBe(2);
    expect(o.err).toMatch(/unknown option --colour; this command takes/);
    const help = await wallet(dir, ["help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/usage: utxolab wallet COMMAND/);
  });
});

describe("utxolab wallet utxos", () => {
  it("lists outputs of one transaction by output number, whatever order the wallet file keeps them in", async () => {
    const genesis = genesisBlock(DEVNET);
    const gHash = blockHash(genesis.header);
    // a node holding only genesis, answering the calls a sync makes
    const stub = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        const results: Record<string, unknown> = {
          getblockchaininfo: { network: "devnet", genesisHash: genesisHash(DEVNET), height: 0, bestBlockHash: gHash },
          getblockhash: gHash,
          getblock: bytesToHex(encodeBlock(genesis)),
          getrawmempool: [],
        };
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ jsonrpc: "2.0", id, result: results[method] ?? null }));
      });
    });
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      const dir = tempDir();
      expect((await wallet(dir, ["import-devnet", "--insecure-devnet", "--rpc", closedUrl])).code).toBe(0);
      expect((await wallet(dir, ["balance", "--rpc", url, "--rpc-token", "t"])).code).toBe(0);
      // coins put back after a reorganization land at the end of the file's list
      const file = join(dir, "wallets", "default.json");
      const data = JSON.parse(readFileSync(file, "utf8"));
      expect(data.coins).toHaveLength(10);
      data.coins.reverse();
      writeFileSync(file, JSON.stringify(data));
      const r = await wallet(dir, ["utxos", "--json", "--rpc", url, "--rpc-token", "t"]);
      expect(r.code).toBe(0);
      const listed = (JSON.parse(r.out).utxos as { vout: number }[]).map((u) => u.vout);
      expect(listed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await new Promise((r) => stub.close(r));
    }
  });
});
