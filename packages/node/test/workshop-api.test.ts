import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Amount,
  type Block,
  blockHash,
  bytesToHex,
  DEVNET,
  decodeBlock,
  encodeBlock,
  merkleRoot,
  solveHeader,
  txid,
} from "@utxolab/core";
import { accounts, address, cleanupAfterEach, GENESIS_VALUE, genesisCoin, pay } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import type { NodeEvent } from "../src/events.js";
import { type NodeConfig, UtxoNode } from "../src/index.js";
import { trusted } from "../src/web/workshop.js";
import { startNode } from "./helpers.js";

const cleanup = cleanupAfterEach();

const start = (extra: Partial<NodeConfig> = {}) => startNode(cleanup, extra);

const post = (node: UtxoNode, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${node.rpc.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

const getJson = async <T>(node: UtxoNode, path: string): Promise<T> => (await (await fetch(`${node.rpc.url}${path}`)).json()) as T;

const blockHashOf = (b: Block) => blockHash(b.header);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the workshop API", () => {
  it("pauses, mines one block and resumes automine from the page: the pool holds a payment meanwhile", async () => {
    const node = await start({ automine: true, mineTo: address(9) });
    expect((await post(node, "/api/mining", { action: "pause" })).status).toBe(200);
    const p = pay([genesisCoin(1)], [[2, GENESIS_VALUE - 10_000n]]);
    expect(node.submitTx(p.tx, "test").ok).toBe(true);
    await sleep(200);
    // paused: automine left it waiting
    expect(node.mempool.size).toBe(1);
    expect(node.chain.height).toBe(0);
    expect((await getJson<{ paused: boolean; pool: number }>(node, "/api/mining")).paused).toBe(true);
    const one = (await (await post(node, "/api/mining", { action: "mine" })).json()) as { height: number };
    expect(one.height).toBe(1);
    expect(node.mempool.size).toBe(0);
    const q = pay([genesisCoin(3)], [[2, GENESIS_VALUE - 10_000n]]);
    expect(node.submitTx(q.tx, "test").ok).toBe(true);
    await sleep(100);
    expect(node.mempool.size).toBe(1);
    // resuming confirms what waited
    expect((await post(node, "/api/mining", { action: "resume" })).status).toBe(200);
    await expect.poll(() => node.chain.height, { timeout: 5000 }).toBe(2);
    expect(node.mempool.size).toBe(0);
  });

  it("mines one block to a named address on a node without --mine-to, and says what is wrong with a bad request", async () => {
    const node = await start();
    const noTo = await post(node, "/api/mining", { action: "mine" });
    expect(noTo.status).toBe(400);
    expect(((await noTo.json()) as { error: string }).error).toContain("no --mine-to");
    const ok = (await (await post(node, "/api/mining", { action: "mine", to: address(4) })).json()) as { height: number };
    expect(ok.height).toBe(1);
    expect(((await (await post(node, "/api/mining", { action: "jump" })).json()) as { error: string }).error).toContain('"action"');
    const bad = await post(node, "/api/mining", { action: "mine", to: "lab1nonsense" });
    expect(bad.status).toBe(400);
  });

  it("refuses to be steered by another site's page or a form post", async () => {
    const node = await start();
    const cross = await post(node, "/api/mining", { action: "pause" }, { origin: "http://evil.example" });
    expect(cross.status).toBe(403);
    const form = await fetch(`${node.rpc.url}/api/mining`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=pause",
    });
    expect(form.status).toBe(415);
    expect(node.miner.isPaused).toBe(false);
  });

  it("trusts loopback callers, and others only with the RPC token", () => {
    const req = (ip: string, auth?: string) =>
      ({ socket: { remoteAddress: ip }, headers: auth ? { authorization: auth } : {} }) as unknown as IncomingMessage;
    expect(trusted(req("127.0.0.1"), "tok")).toBe(true);
    expect(trusted(req("::1"), "tok")).toBe(true);
    expect(trusted(req("::ffff:127.0.0.1"), "tok")).toBe(true);
    expect(trusted(req("192.168.1.20"), "tok")).toBe(false);
    expect(trusted(req("192.168.1.20", "Bearer nope"), "tok")).toBe(false);
    expect(trusted(req("192.168.1.20", "Bearer tok"), "tok")).toBe(true);
  });

  it("relays a demo's progress to the pages and remembers it for a page that loads meanwhile", async () => {
    const node = await start();
    const seen: NodeEvent[] = [];
    node.events.on((e) => seen.push(e));
    const r = await post(node, "/api/demo", { name: "overspend", step: 3, total: 6, text: "Account 1 tries to pay 1,001 coins" });
    expect(r.status).toBe(200);
    expect(seen).toContainEqual({
      type: "demo",
      name: "overspend",
      step: 3,
      total: 6,
      text: "Account 1 tries to pay 1,001 coins",
      done: false,
    });
    expect(await getJson(node, "/api/demo")).toMatchObject({ name: "overspend", step: 3 });
    await post(node, "/api/demo", { name: "overspend", step: 6, total: 6, done: true });
    expect(await getJson(node, "/api/demo")).toBeNull();
    const long = await post(node, "/api/demo", { name: "x", step: 1, total: 2, text: "y".repeat(301) });
    expect(long.status).toBe(400);
    const big = await post(node, "/api/demo", { name: "x", step: 1, total: 2, text: "y".repeat(5000) });
    expect(big.status).toBe(413);
  });

  it("lists the coins a block consumed and created, with their owners", async () => {
    const node = await start();
    const p = pay(
      [genesisCoin(1)],
      [
        [2, 300_000_000n],
        [1, GENESIS_VALUE - 300_000_000n - 10_000n],
      ],
    );
    expect(node.submitTx(p.tx, "test").ok).toBe(true);
    await node.miner.generate(1, accounts[9].pubkey);
    type Coins = {
      consumed: { txid: string; vout: number; value: string; address: string; by: string }[];
      created: { txid: string; vout: number; value: string; address: string; coinbase: boolean; spent: unknown }[];
      consumedTotal: string;
      createdTotal: string;
    };
    const c = await getJson<Coins>(node, "/api/blockcoins/1");
    expect(c.consumed).toEqual([expect.objectContaining({ vout: 1, value: GENESIS_VALUE.toString(), address: address(1), by: p.txid })]);
    expect(c.created.map((x) => [x.address, x.value, x.coinbase])).toEqual([
      [address(9), (5_000_000_000n + 10_000n).toString(), true],
      [address(2), "300000000", false],
      [address(1), (GENESIS_VALUE - 300_000_000n - 10_000n).toString(), false],
    ]);
    expect(c.consumedTotal).toBe(GENESIS_VALUE.toString());
    expect((await fetch(`${node.rpc.url}/api/blockcoins/7`)).status).toBe(404);
  });

  it("takes a tampered block: alone it waits on a side branch; made heavier, the node checks it and refuses, in plain words", async () => {
    const node = await start();
    await node.miner.generate(2, accounts[9].pubkey);
    const raw = await getJson<{ hex: string; nextHash: string }>(node, "/api/rawblock/1");
    const d = decodeBlock(raw.hex);
    if (!d.ok) throw new Error(d.reason);
    const remine = (b: Block): Block => {
      const header = solveHeader({ ...b.header, merkleRoot: merkleRoot(b.txs.map(txid)), nonce: 0 }, DEVNET);
      return { header, txs: b.txs };
    };
    type Answer = { ok: boolean; active?: boolean; reason?: string; plain: string; hash?: string; cause?: { plain: string } };
    const send = async (b: Block) => (await (await post(node, "/api/block", { hex: bytesToHex(encodeBlock(b)) })).json()) as Answer;
    const cb = d.block.txs[0];
    const richer = remine({
      ...d.block,
      txs: [{ ...cb, outputs: [{ ...cb.outputs[0], value: (cb.outputs[0].value * 2n) as Amount }] }],
    });
    // not re-mined: the proof of work no longer holds
    const unmined = { ...richer, header: { ...richer.header, nonce: richer.header.nonce + 1 } };
    const r0 = await send(unmined);
    if (r0.ok) expect(r0.active).toBe(false);
    else expect(r0.reason).toBe("high-hash");
    const r1 = await send(richer);
    expect(r1).toMatchObject({ ok: true, active: false });
    expect(r1.plain).toContain("side branch");
    expect(node.chain.height).toBe(2);
    // two more blocks on top make the tampered branch heavier: now the node checks it, and says no
    const tpl = (prev: Block, height: number): Block => {
      const coinbase = { ...cb, inputs: [{ ...cb.inputs[0], witness: Uint8Array.of(height, 0, 0, 0, 9) }] };
      return remine({ header: { ...prev.header, prevHash: blockHashOf(prev), time: prev.header.time + 1 }, txs: [coinbase] });
    };
    const b2 = tpl(richer, 2);
    await send(b2);
    const r3 = await send(tpl(b2, 3));
    expect(r3).toMatchObject({
      ok: false,
      reason: "bad-prevblk",
      cause: { height: 1, hash: blockHashOf(richer), reason: "bad-cb-amount" },
    });
    expect(r3.cause?.plain.length).toBeGreaterThan(20);
    expect(node.chain.height).toBe(2);
    const junk = await post(node, "/api/block", { hex: "zz" });
    expect(junk.status).toBe(400);
  });

  it("keeps the Refused list across a restart, in the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "utxolab-refusals-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = await UtxoNode.start({ datadir: dir, rpcPort: 0, p2pPort: 0, rpcToken: "t", log: () => undefined });
    const over = pay([genesisCoin(1)], [[2, GENESIS_VALUE + 1n]]);
    expect(first.submitTx(over.tx, "test").ok).toBe(false);
    await sleep(50);
    await first.stop();
    const second = await UtxoNode.start({ datadir: dir, rpcPort: 0, p2pPort: 0, rpcToken: "t", log: () => undefined });
    cleanup.push(() => second.stop());
    const list = await getJson<{ seq: number; reason: string; detail: string; plain: string }[]>(second, "/api/refusals");
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ seq: 1, reason: "bad-txns-in-belowout", detail: `in ${GENESIS_VALUE} < out ${GENESIS_VALUE + 1n}` });
    expect(list[0].plain).toContain("do not have");
    // numbering goes on after the kept ones
    expect(second.submitTx(over.tx, "test").ok).toBe(false);
    const again = await getJson<{ seq: number }[]>(second, "/api/refusals");
    expect(again.map((r) => r.seq)).toEqual([2, 1]);
  });
});
