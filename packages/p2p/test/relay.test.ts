import { bytesToHex, encodeTx, type Hash, txid } from "@utxolab/core";
import { until } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import type { P2PNode } from "../src/index.js";
import { closeAfterEach, genesisSpend, hasPeer, Net, TestHost } from "./helpers.js";

let net: Net;
closeAfterEach(() => net);

/** The connection from `from` to the peer that listens at `to.url` (or dialled it). */
const link = (from: P2PNode, to: P2PNode) => {
  const p = from.peers().find((x) => x.url === to.url || x.listen === to.url);
  if (!p) throw new Error(`no link from ${from.url} to ${to.url}`);
  return p;
};

async function line(names: string[]): Promise<{ hosts: TestHost[]; nodes: P2PNode[] }> {
  const hosts: TestHost[] = [];
  const nodes: P2PNode[] = [];
  for (const name of names) {
    const h = await TestHost.create(name);
    const prev = nodes[nodes.length - 1];
    nodes.push(await net.node(h, { peers: prev ? [prev.url] : [] }));
    hosts.push(h);
  }
  for (let i = 1; i < nodes.length; i++) await until(`link ${i}`, () => hasPeer(nodes[i], nodes[i - 1].url));
  return { hosts, nodes };
}

describe("transaction relay", () => {
  it("relays A→B→C by inv/getdata/tx, each transaction sent once per link", async () => {
    net = new Net();
    const {
      hosts: [a, b, c],
      nodes: [na, nb, nc],
    } = await line(["a", "b", "c"]);
    const tx = genesisSpend(1);
    const id = txid(tx);
    a.addTx(tx);
    await until("C has the transaction", () => c.hasTx(id));
    expect(b.hasTx(id)).toBe(true);
    await until("C counted it", () => link(nc, nb).received.tx === 1);
    // announcing again (the node calling announceTx twice, or after its own accept) sends nothing new
    na.announceTx(id);
    nb.announceTx(id);
    nc.announceTx(id);
    await new Promise((r) => setImmediate(r));
    expect(link(na, nb).sent).toMatchObject({ inv: 1, tx: 1 });
    expect(link(nb, na).sent.tx ?? 0).toBe(0);
    expect(link(nb, na).sent.inv ?? 0).toBe(0);
    expect(link(nb, nc).sent).toMatchObject({ inv: 1, tx: 1 });
    expect(link(nc, nb).sent.tx ?? 0).toBe(0);
    expect(link(nc, nb).sent.inv ?? 0).toBe(0);
  });

  it("in a triangle every link carries a transaction at most once", async () => {
    net = new Net();
    const hs = await Promise.all(["a", "b", "c"].map((n) => TestHost.create(n)));
    const na = await net.node(hs[0]);
    const nb = await net.node(hs[1], { peers: [na.url] });
    const nc = await net.node(hs[2], { peers: [na.url, nb.url] });
    await until("triangle up", () => na.peers().length === 2 && nb.peers().length === 2 && nc.peers().length === 2);
    const txs = [genesisSpend(2), genesisSpend(3), genesisSpend(4)];
    hs[0].addTx(txs[0]);
    hs[1].addTx(txs[1]);
    hs[2].addTx(txs[2]);
    await until("every node has every transaction", () => hs.every((h) => txs.every((t) => h.hasTx(txid(t)))));
    const pairs: [P2PNode, P2PNode][] = [
      [na, nb],
      [nb, nc],
      [na, nc],
    ];
    for (const [x, y] of pairs) {
      const carried = (link(x, y).sent.tx ?? 0) + (link(y, x).sent.tx ?? 0);
      expect(carried).toBeLessThanOrEqual(3);
    }
    const totalSent = [na, nb, nc].reduce((s, n) => s + n.peers().reduce((t, p) => t + (p.sent.tx ?? 0), 0), 0);
    // three transactions each need to reach two other nodes: six deliveries, no more
    expect(totalSent).toBe(6);
  });

  it("does not punish a policy refusal, bans a consensus-invalid transaction", async () => {
    net = new Net();
    const h = await TestHost.create("h");
    const n = await net.node(h);
    const honest = await net.raw(n.url);
    await honest.handshake("ws://127.0.0.1:2001");
    // spends a coin that does not exist: missing inputs can be a race, not punished
    const ghost = genesisSpend(5);
    const orphanLike = { ...ghost, inputs: [{ ...ghost.inputs[0], prevTxid: "ab".repeat(32) as Hash }] };
    honest.send({ type: "tx", tx: bytesToHex(encodeTx(orphanLike)) });
    await until("tx received", () => (n.peers()[0]?.received.tx ?? 0) === 1);
    expect(n.peers()[0].banScore).toBe(0);
    // a bad signature is invalid everywhere
    const good = genesisSpend(6);
    const badSig = { ...good, inputs: [{ ...good.inputs[0], witness: new Uint8Array(64).fill(7) }] };
    honest.send({ type: "tx", tx: bytesToHex(encodeTx(badSig)) });
    await honest.whenClosed();
    expect(honest.of("reject").at(-1)).toMatchObject({ reason: "banned" });
    expect(honest.of("reject").at(-1).detail).toMatch(/bad-txns-sig/);
    expect(h.logged(/banned for 600 s as 127\.0\.\d+\.\d+: sent transaction .* bad-txns-sig/)).toBe(true);
  });
});

describe("block relay", () => {
  it("relays a mined block A→B→C by inv/getdata/block", async () => {
    net = new Net();
    const {
      hosts: [a, b, c],
      nodes: [na, nb, nc],
    } = await line(["a", "b", "c"]);
    const [hash] = await a.mine(1);
    await until("C has the block", () => c.tip === hash);
    expect(b.tip).toBe(hash);
    await new Promise((r) => setImmediate(r));
    expect(link(na, nb).sent.block).toBe(1);
    expect(link(nb, nc).sent.block).toBe(1);
    expect(link(nb, na).sent.block ?? 0).toBe(0);
    expect(link(nc, nb).sent.block ?? 0).toBe(0);
    // C mines on top; the block flows back the other way
    const [next] = await c.mine(1);
    await until("A has C's block", () => a.tip === next);
  });
});
