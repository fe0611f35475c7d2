import { createRequire } from "node:module";
import { address, GENESIS_VALUE, genesisCoin, NodeProcess, pay } from "@utxolab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The `bitcoin-core` npm client, unchanged: written for Bitcoin Core, not for us.
const require = createRequire(import.meta.url);
const Client = require("bitcoin-core") as new (opts: {
  host: string;
  username: string;
  password: string;
  timeout?: number;
  logger?: unknown;
}) => {
  command(method: string, ...params: unknown[]): Promise<any>;
  command(batch: { method: string; parameters: unknown[] }[]): Promise<any[]>;
  getBlockCount(): Promise<number>;
  getBestBlockHash(): Promise<string>;
  getBlockHash(h: number): Promise<string>;
  getBlockHeader(hash: string, verbose?: boolean): Promise<any>;
  getChainTips(): Promise<any[]>;
  getDifficulty(): Promise<number>;
  getMempoolInfo(): Promise<any>;
  getRawMempool(verbose?: boolean): Promise<any>;
  getNetworkInfo(): Promise<any>;
  getConnectionCount(): Promise<number>;
  getMiningInfo(): Promise<any>;
  getTxOutSetInfo(): Promise<any>;
  sendRawTransaction(hex: string): Promise<string>;
  estimateSmartFee(n: number): Promise<any>;
  help(cmd?: string): Promise<string>;
};

const silent = { debug() {}, info() {}, warn() {}, error() {}, trace() {}, fatal() {}, child: () => silent };

let node: NodeProcess;
let client: InstanceType<typeof Client>;

beforeAll(async () => {
  node = await NodeProcess.start({ cookie: true });
  client = new Client({ host: node.rpcUrl, username: "__cookie__", password: node.token, timeout: 30_000, logger: silent });
});

afterAll(async () => {
  await node?.stop();
});

describe("the bitcoin-core npm client against a UTXOLab node", () => {
  it("reads the chain with a dozen of Core's methods", async () => {
    expect(await client.getBlockCount()).toBe(0);
    const hashes: string[] = await client.command("generatetoaddress", 3, address(1));
    expect(hashes).toHaveLength(3);
    expect(await client.getBlockCount()).toBe(3);
    const best = await client.getBestBlockHash();
    expect(best).toBe(hashes[2]);
    expect(await client.getBlockHash(3)).toBe(best);
    expect(await client.getBlockHeader(best)).toMatchObject({ hash: best, height: 3, previousblockhash: hashes[1] });
    expect(await client.getBlockHeader(best, false)).toMatch(/^[0-9a-f]{160}$/);
    expect(await client.getChainTips()).toEqual([{ height: 3, hash: best, branchlen: 0, status: "active" }]);
    expect(await client.getDifficulty()).toBeGreaterThan(0);
    expect(await client.getConnectionCount()).toBe(0);
    expect(await client.getNetworkInfo()).toMatchObject({ connections: 0, networkactive: true });
    expect(await client.getMiningInfo()).toMatchObject({ blocks: 3, chain: "devnet" });
    expect((await client.getTxOutSetInfo()).hash_serialized).toMatch(/^[0-9a-f]{64}$/);
    expect(await client.command("uptime")).toBeGreaterThanOrEqual(0);
    expect(await client.help()).toContain("getblockcount");
  });

  it("sends a transaction and sees it in the pool", async () => {
    const p = pay(
      [genesisCoin(0)],
      [
        [2, 5_000_000n],
        [0, GENESIS_VALUE - 5_000_000n - 1000n],
      ],
    );
    expect(await client.sendRawTransaction(p.hex)).toBe(p.txid);
    expect(await client.getRawMempool()).toEqual([p.txid]);
    expect((await client.getRawMempool(true))[p.txid]).toMatchObject({ fee: "1000" });
    expect(await client.getMempoolInfo()).toMatchObject({ size: 1 });
    expect(await client.estimateSmartFee(1)).toMatchObject({ blocks: 1 });
  });

  it("gets Core's error codes back as the client's RpcError", async () => {
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => "no error",
        (e: { code: number; message: string }) => e.code,
      );
    expect(await codeOf(client.getBlockHash(999))).toBe(-8);
    expect(await codeOf(client.command("nosuchmethod"))).toBe(-32601);
    expect(await codeOf(client.sendRawTransaction("abc"))).toBe(-22);
    expect(await codeOf(client.getBlockHeader("00".repeat(32)))).toBe(-5);
    const again = pay(
      [genesisCoin(0)],
      [
        [3, 5_000_000n],
        [0, GENESIS_VALUE - 5_000_000n - 2000n],
      ],
    );
    expect(await codeOf(client.sendRawTransaction(again.hex))).toBe(-26);
    expect(await codeOf(client.command("getblockhash", "zero"))).toBe(-32602);
    const wrong = new Client({ host: node.rpcUrl, username: "__cookie__", password: "wrong", logger: silent });
    expect(await codeOf(wrong.getBlockCount())).toBe(401);
  });

  it("sends a batch and gets each answer or error in order", async () => {
    const r = await client.command([
      { method: "getblockcount", parameters: [] },
      { method: "getblockhash", parameters: [999] },
      { method: "getbestblockhash", parameters: [] },
    ]);
    expect(r[0]).toBe(3);
    expect(r[1]).toMatchObject({ code: -8 });
    expect(r[2]).toMatch(/^[0-9a-f]{64}$/);
  });
});
