import { connect, type Socket } from "node:net";
import { bytesToHex, encodeHeader, encodeTx, txid } from "@utxolab/core";
import { until } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { type Clock, realClock } from "../src/index.js";
import { closeAfterEach, genesisSpend, hasPeer, Net, type RawPeer, TestHost } from "./helpers.js";

let net: Net;
closeAfterEach(() => net);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A peer that answers pings (so it looks alive) and nothing else. */
function answerPings(r: RawPeer): void {
  r.ws.on("message", (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === "ping") r.send({ type: "pong", nonce: m.nonce, height: 0 });
  });
}

describe("hostile peers (issue 12)", () => {
  // Attack 2: pings from a peer that never reads took RSS to 1.8 GB.
  it("a peer that pings and never reads gets no more pongs queued than a small backlog", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    // the message rate limit (next test) would ban it first: this tests the pong backlog alone
    const node = await net.node(host, { maxMessagesPerSecond: 100_000_000 });
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:7001");
    await until("ready", () => node.peers().length === 1);
    r.ws.pause();
    (r.ws as unknown as { _socket: Socket })._socket.pause();
    const n = 100_000;
    const ping = JSON.stringify({ type: "ping", nonce: "ab".repeat(8), height: 0 });
    for (let i = 0; i < n; i++) r.send(ping);
    await until("every ping arrives", () => (node.peers()[0]?.received.ping ?? 0) === n, 30_000);
    const info = node.peers()[0];
    // ~110 bytes a pong: 100,000 would be 11 MB; the kernel takes some, the node holds at most 64 KB more
    expect(info.sent.pong ?? 0).toBeLessThan(n);
    expect(info.sendQueue).toBeLessThanOrEqual(64 * 1024 + 200);
  });

  it("a peer flooding messages faster than maxMessagesPerSecond is banned before they cost parsing time", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    const node = await net.node(host, { maxMessagesPerSecond: 100 });
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:7005");
    await until("ready", () => node.peers().length === 1);
    for (let i = 0; i < 1_000; i++) r.send({ type: "ping", nonce: "cd".repeat(8), height: 0 });
    await r.whenClosed();
    expect(r.of("reject").at(-1)?.detail).toMatch(/faster than 100 a second/);
    expect(r.of("pong").length).toBeLessThanOrEqual(250);
  });

  // Attack 4: getheaders at 10 KB/s pushed 918 MB out; answers are now paid from an upload budget.
  it("answers to getheaders are paced by the peer's upload budget", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    await host.mine(100);
    let now = 1_000_000;
    const clock: Clock = { ...realClock, now: () => now };
    // 100 headers are ~16 KB an answer; 8 KB/s gives a 32 KB burst: two answers, then one per 2 s
    const node = await net.node(host, { clock, uploadBytesPerSecond: 8_000 });
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:7002");
    await until("ready", () => node.peers().length === 1);
    for (let i = 0; i < 20; i++) r.send({ type: "getheaders", locator: [host.chain.genesis.hash] });
    await until("first answer", () => r.of("headers").length >= 1);
    await sleep(300);
    const early = r.of("headers").length;
    expect(early).toBeLessThanOrEqual(2);
    now += 2_100; // one more answer's worth of budget
    await until("the budget refills", () => r.of("headers").length === early + 1);
    await sleep(300);
    expect(r.of("headers").length).toBe(early + 1);
  });

  // Attack 5: a peer that announces blocks and then drips or answers notfound stalled sync.
  for (const mode of ["silent", "notfound"] as const) {
    it(`a ${mode} staller is dropped or scored and the blocks come from an honest peer`, async () => {
      net = new Net();
      const honest = await TestHost.create("honest");
      await honest.mine(30);
      const victim = await TestHost.create("victim");
      const nv = await net.node(victim);
      const staller = await net.raw(nv.url);
      await staller.handshake("ws://127.0.0.1:7003");
      await until("asked for headers", () => staller.has("getheaders"));
      const headers: string[] = [];
      for (let h = 1; h <= 30; h++) headers.push(bytesToHex(encodeHeader(honest.chain.atHeight(h)!.header)));
      staller.send({ type: "headers", headers });
      await until("the victim asks the staller for blocks", () => staller.has("getdata"));
      if (mode === "notfound") staller.send({ type: "notfound", blocks: staller.of("getdata")[0].blocks });
      const started = Date.now();
      const nh = await net.node(honest, { peers: [nv.url] });
      await until("honest connected", () => hasPeer(nv, nh.url));
      await until("synced from the honest peer", () => victim.chain.height === 30, 12_000);
      // without stalling detection this took blockStallMs (60 s) or forever
      expect(Date.now() - started).toBeLessThan(10_000);
      if (mode === "silent") {
        const c = await staller.whenClosed();
        expect(c.reason).toMatch(/stalled: block .* not delivered/);
      } else {
        expect(victim.logged(/answered notfound for 16 block\(s\) we asked of it \(ban score 20\/100\)/)).toBe(true);
      }
    });
  }

  // Attack 9: a peer announces a transaction first and never serves it.
  it("a transaction announced by a staller is fetched from the next announcer after the timeout", async () => {
    net = new Net();
    const victim = await TestHost.create("victim");
    const nv = await net.node(victim, { txRequestTimeoutMs: 300 });
    const staller = await net.raw(nv.url);
    await staller.handshake("ws://127.0.0.1:7004");
    const tx = genesisSpend(3);
    const id = txid(tx);
    staller.send({ type: "inv", txs: [id] });
    await until("asked the staller", () => staller.has("getdata"));
    const honest = await TestHost.create("honest");
    const nh = await net.node(honest, { peers: [nv.url] });
    // both sides ready: a transaction is announced only to peers that finished the handshake
    await until("honest connected", () => hasPeer(nv, nh.url) && hasPeer(nh, nv.url));
    honest.addTx(tx);
    await until("the victim gets it from the honest peer", () => victim.pool.has(id), 5_000);
    expect(victim.logged(/announced 1 transaction\(s\), was asked, and sent neither/)).toBe(true);
    expect(encodeTx(victim.pool.get(id)!.tx)).toEqual(encodeTx(tx));
  });

  // Attack 7: raw TCP sockets that never upgrade held file descriptors forever.
  it("raw sockets are limited per address before any upgrade and closed if they never upgrade", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    const node = await net.node(host, { maxPerAddress: 3, handshakeTimeoutMs: 300 });
    const socks: { s: Socket; closedAt?: number }[] = [];
    const opened = Date.now();
    for (let i = 0; i < 6; i++) {
      const s = connect({ port: node.port, host: "127.0.0.1", localAddress: "127.0.4.1" });
      const e: { s: Socket; closedAt?: number } = { s };
      s.on("error", () => {});
      s.on("close", () => (e.closedAt = Date.now() - opened));
      socks.push(e);
    }
    await until("three over the limit closed", () => socks.filter((e) => e.closedAt !== undefined).length >= 3);
    await sleep(100);
    expect(socks.filter((e) => e.closedAt !== undefined).length).toBe(3);
    await until("the idle ones closed by the upgrade timeout", () => socks.every((e) => e.closedAt !== undefined), 5_000);
    // an honest node from elsewhere still gets in
    const friend = await TestHost.create("friend");
    const nf = await net.node(friend, { peers: [node.url] });
    await until("friend connected", () => hasPeer(node, nf.url));
    for (const e of socks) e.s.destroy();
  });

  // Attack 8: 32 ping-only peers held every slot, and one identity was accepted 10 times.
  it("a full node evicts an unprotected inbound peer for a newcomer", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    const node = await net.node(host, { maxPeers: 4 });
    const squatters: RawPeer[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await net.raw(node.url);
      answerPings(r);
      await r.handshake(`ws://127.0.0.1:${7100 + i}`);
      squatters.push(r);
    }
    await until("full", () => node.peers().length === 4);
    const friend = await TestHost.create("friend");
    const nf = await net.node(friend, { peers: [node.url] });
    await until("the honest node gets in", () => hasPeer(node, nf.url));
    expect(squatters.filter((s) => s.of("reject").some((m) => m.reason === "evicted")).length).toBe(1);
    // A second connection with one node nonce is refused only when it copies a node we
    // dialled (hostile-sync.test.ts): a nonce is unproven and must not lock anyone out.
  });

  // Attack 10: a peer advertising an honest node's URL got that node banned.
  it("a ban falls on the offender's address, not on the URL it advertises, and a new port does not evade it", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    const node = await net.node(host, { banSeconds: 60 });
    const friend = await TestHost.create("friend");
    const nf = await net.node(friend);
    const framer = await net.raw(node.url, "127.0.5.1");
    await framer.handshake(nf.url); // pretends to be the friend
    framer.send({ type: "bogus-type-x" });
    framer.send("{not json");
    await framer.whenClosed();
    expect(node.bans().map((b) => b.key)).toEqual(["127.0.5.1"]);
    // the friend is not framed
    nf.addPeer(node.url);
    await until("the real friend connects", () => hasPeer(node, nf.url));
    // the framer comes back with another port: refused at once
    const back = await net.raw(node.url, "127.0.5.1");
    await back.whenClosed();
    expect(back.of("reject")[0]).toMatchObject({ reason: "banned" });
    expect(back.has("verack")).toBe(false);
  });
});
