import { connect } from "node:net";
import { bytesToHex, DEVNET, encodeBlock, encodeHeader, txid } from "@utxolab/core";
import { nextBlock, until } from "@utxolab/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maxMessageBytes } from "../src/index.js";
import { closeAfterEach, genesisSpend, hasPeer, Net, type RawPeer, TestHost } from "./helpers.js";

let net: Net;
closeAfterEach(() => net);

/** A node with one honest peer node, to show it keeps serving others while it drops offenders. */
async function nodeWithFriend() {
  const host = await TestHost.create("victim");
  const node = await net.node(host);
  const friend = await TestHost.create("friend");
  const fnode = await net.node(friend, { peers: [node.url] });
  await until("friend connected", () => hasPeer(node, fnode.url));
  return { host, node, friend, fnode };
}

async function stillServes(host: TestHost, friend: TestHost): Promise<void> {
  const [h] = await friend.mine(1, `after-${host.logs.length}`);
  await until("the victim still takes blocks from its honest peer", () => host.tip === h);
}

async function expectBanned(r: RawPeer, host: TestHost, why: RegExp): Promise<void> {
  await r.whenClosed();
  const rej = r.of("reject").at(-1);
  expect(rej).toMatchObject({ reason: "banned" });
  expect(rej.detail).toMatch(why);
  expect(host.logged(why)).toBe(true);
}

describe("misbehaviour", () => {
  it("garbage on the raw TCP port does not hurt the node", async () => {
    net = new Net();
    const { host, node, friend } = await nodeWithFriend();
    const port = node.port;
    await new Promise<void>((resolve) => {
      const s = connect(port, "127.0.0.1", () => s.end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) & 0xff))));
      s.on("error", () => resolve());
      s.on("close", () => resolve());
    });
    await stillServes(host, friend);
  });

  it("a binary frame of random bytes gets the peer banned", async () => {
    net = new Net();
    const { host, node, friend } = await nodeWithFriend();
    const r = await net.raw(node.url, "127.0.3.1");
    await r.handshake("ws://127.0.0.1:4001");
    r.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]));
    await expectBanned(r, host, /binary frame/);
    expect(node.bans().map((b) => b.key)).toContain("127.0.3.1");
    await stillServes(host, friend);
    // its address is refused at once, whatever port it advertises; other addresses are not
    const again = await net.raw(node.url, "127.0.3.1");
    await again.whenClosed();
    expect(again.of("reject")[0]).toMatchObject({ reason: "banned" });
    const other = await net.raw(node.url, "127.0.3.2");
    await other.handshake("ws://127.0.0.1:4002");
    await until("a peer from another address is accepted", () => node.peers().some((p) => p.listen === "ws://127.0.0.1:4002"));
  });

  it("malformed JSON, a bad field, too many items: banned", async () => {
    net = new Net();
    const { host, node } = await nodeWithFriend();
    const cases: [string, RegExp][] = [
      ["{not json", /not JSON/],
      [JSON.stringify({ type: "inv", txs: ["xyz"] }), /txs\[0\] must be 64 lowercase hex/],
      [JSON.stringify({ type: "getdata", blocks: Array(1001).fill("ab".repeat(32)) }), /at most 1000/],
      [JSON.stringify({ type: "headers", headers: ["00"] }), /160 lowercase hex/],
      [JSON.stringify({ type: "block", block: "0011" }), /block-decode-failed/],
    ];
    let port = 4100;
    for (const [text, why] of cases) {
      const r = await net.raw(node.url);
      await r.handshake(`ws://127.0.0.1:${port++}`);
      r.send(text);
      await expectBanned(r, host, why);
    }
  });

  it("an oversized message is refused before parsing, and the sender banned", async () => {
    net = new Net();
    const { host, node, friend } = await nodeWithFriend();
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:4201");
    r.send("x".repeat(maxMessageBytes(DEVNET) + 1));
    await r.whenClosed();
    expect(r.closed?.code).toBe(1009);
    await until("ban logged", () => host.logged(/banned .*over the \d+-byte limit/));
    expect(node.bans().map((b) => b.key)).toContain(r.localAddress);
    await stillServes(host, friend);
  });

  it("a message before the handshake: disconnected and banned", async () => {
    net = new Net();
    const { host, node, friend } = await nodeWithFriend();
    const r = await net.raw(node.url);
    r.send({ type: "inv", blocks: ["00".repeat(32)] });
    await expectBanned(r, host, /sent inv before the handshake finished/);
    // banned by its address, before it said anything about itself
    expect(node.bans().map((b) => b.key)).toContain(r.localAddress);
    await stillServes(host, friend);
  });

  it("a consensus-invalid block gets the peer banned; the node keeps its chain and its friends", async () => {
    net = new Net();
    const { host, node, friend } = await nodeWithFriend();
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:4301");
    const greedy = nextBlock(host.chain.tip, { extra: "greedy", claim: 51n * 100_000_000n }); // claims more than the subsidy
    r.send({ type: "block", block: bytesToHex(encodeBlock(greedy)) });
    await expectBanned(r, host, /bad-cb-amount/);
    expect(host.chain.height).toBe(0);
    await stillServes(host, friend);
  });

  it("headers that do not connect get the peer banned", async () => {
    net = new Net();
    const { host, node } = await nodeWithFriend();
    const source = await TestHost.create("source");
    await source.mine(3, "far");
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:4401");
    const hs = source.headersAfter([], undefined, 10).slice(1); // drops the first: the rest hang in the air
    r.send({ type: "headers", headers: hs.map((h) => bytesToHex(encodeHeader(h))) });
    await expectBanned(r, host, /headers that do not connect/);
  });

  it("unknown message types only add to the ban score", async () => {
    net = new Net();
    const { node } = await nodeWithFriend();
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:4501");
    await until("ready", () => node.peers().some((p) => p.listen === "ws://127.0.0.1:4501"));
    r.send({ type: "fancy-new-thing" });
    await until("score 10", () => node.peers().find((p) => p.listen === "ws://127.0.0.1:4501")?.banScore === 10);
    expect(r.closed).toBeUndefined();
  });

  it("survives a fuzz of random frames from many peers", async () => {
    net = new Net();
    const { host, node, friend } = await nodeWithFriend();
    const types = ["version", "verack", "reject", "ping", "pong", "inv", "getdata", "notfound", "tx", "block", "getheaders", "headers"];
    const hex = fc.string({ unit: fc.constantFrom(..."0123456789abcdef".split("")), maxLength: 200 });
    const value = fc.oneof(fc.jsonValue(), hex, fc.array(hex, { maxLength: 5 }));
    const frame = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({ type: fc.constantFrom(...types) }, { requiredKeys: [] })
        .chain((base) =>
          fc
            .dictionary(fc.constantFrom("txs", "blocks", "tx", "block", "headers", "locator", "stop", "nonce", "height", "genesis"), value)
            .map((extra) => JSON.stringify({ ...extra, ...base })),
        ),
    );
    let port = 5000;
    const samples = fc.sample(fc.tuple(fc.boolean(), fc.array(frame, { minLength: 1, maxLength: 4 })), { numRuns: 60, seed: 42 });
    for (const [handshakeFirst, frames] of samples) {
      const r = await net.raw(node.url);
      if (handshakeFirst) await r.handshake(`ws://127.0.0.1:${port++}`);
      for (const f of frames) r.send(f as string | Buffer);
      r.ws.close();
    }
    await stillServes(host, friend);
  });

  it("a requested block sent over and over is queued and checked once", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    const node = await net.node(host);
    const source = await TestHost.create("source");
    const [h] = await source.mine(1, "resent");
    const raw = bytesToHex((await source.getBlock(h)) as Uint8Array);
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:4601");
    await until("the node asks for headers", () => r.has("getheaders"));
    r.send({ type: "headers", headers: [bytesToHex(encodeHeader(source.chain.tip.header))] });
    await until("the node asks for the block", () => r.of("getdata").some((m) => m.blocks?.includes(h)));
    for (let i = 0; i < 50; i++) r.send({ type: "block", block: raw });
    // answered in order: once the pong is back, every copy has been received
    r.send({ type: "ping", nonce: "00".repeat(8), height: 1 });
    await until("pong", () => r.has("pong"));
    await node.idle();
    expect(host.tip).toBe(h);
    expect(host.submittedBlocks).toBe(1);
  });

  it("a getdata naming one big transaction a thousand times waits for the peer to read", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    const node = await net.node(host);
    const tx = genesisSpend(1);
    const id = txid(tx);
    host.pool.set(id, { tx, raw: new Uint8Array(50_000) }); // 100 kB of hex per answer
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:4602");
    await until("ready", () => node.peers().length === 1);
    r.ws.pause();
    r.send({ type: "getdata", txs: Array(1000).fill(id) });
    const sent = () => node.peers()[0]?.sent.tx ?? 0;
    await until("the node starts answering", () => sent() > 0);
    // 100 MB would sit in memory for a peer that does not read; the node stops at its high-water mark
    expect(sent()).toBeLessThan(1000);
    r.ws.resume();
    await until("every answer arrives once the peer reads", () => r.of("tx").length === 1000);
  });

  it("a block requested from one peer and delivered first by another frees the request", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    const node = await net.node(host);
    const source = await TestHost.create("source");
    const [h] = await source.mine(1, "raced");
    const raw = bytesToHex((await source.getBlock(h)) as Uint8Array);
    const a = await net.raw(node.url);
    await a.handshake("ws://127.0.0.1:4603");
    await until("the node asks for headers", () => a.has("getheaders"));
    a.send({ type: "headers", headers: [bytesToHex(encodeHeader(source.chain.tip.header))] });
    await until("the node asks a for the block", () => a.of("getdata").some((m) => m.blocks?.includes(h)));
    const b = await net.raw(node.url);
    await b.handshake("ws://127.0.0.1:4604");
    await until("both ready", () => node.peers().length === 2);
    // b's unasked copy is still with the host when a's answer arrives
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const submit = host.submitBlock.bind(host);
    host.submitBlock = async (block) => {
      await gate;
      return submit(block);
    };
    b.send({ type: "block", block: raw });
    await until("b's copy waits for the host", () => node.blockBacklog === 1);
    a.send({ type: "block", block: raw });
    a.send({ type: "ping", nonce: "00".repeat(8), height: 1 });
    await until("a's copy received", () => a.has("pong"));
    release();
    await node.idle();
    expect(host.tip).toBe(h);
    expect(node.peers().find((p) => p.listen === "ws://127.0.0.1:4603")?.blocksInFlight).toBe(0);
  });
});
