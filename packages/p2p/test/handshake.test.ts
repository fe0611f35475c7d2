import { bytesToHex, encodeBlock, type Hash } from "@utxolab/core";
import { nextBlock, until } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { closeAfterEach, hasPeer, Net, TestHost } from "./helpers.js";

let net: Net;
closeAfterEach(() => net);

describe("handshake", () => {
  it("connects two nodes of one network and reports each other", async () => {
    net = new Net();
    const a = await TestHost.create("a");
    const b = await TestHost.create("b");
    await a.mine(3);
    const na = await net.node(a);
    const nb = await net.node(b, { peers: [na.url] });
    await until("both sides ready", () => hasPeer(na) && hasPeer(nb));
    const [pa] = nb.peers();
    expect(pa).toMatchObject({ url: na.url, inbound: false, height: 3, userAgent: "/utxolab-test:a/", banScore: 0 });
    const [pb] = na.peers();
    expect(pb).toMatchObject({ url: nb.url, inbound: true, height: 0, userAgent: "/utxolab-test:b/", listen: nb.url });
    expect(a.logged(/joined: inbound/)).toBe(true);
    expect(b.logged(/joined: outbound/)).toBe(true);
    // b was behind: it synced the three blocks as part of joining
    await until("b catches up", () => b.tip === a.tip);
  });

  it("two nodes that both dial each other keep one connection, and the refused side stops redialling", async () => {
    // found in review: the side refused as a duplicate redialled (and was refused) every backoff period forever
    net = new Net();
    const a = await TestHost.create("a");
    const b = await TestHost.create("b");
    const na = await net.node(a);
    const nb = await net.node(b);
    na.addPeer(nb.url);
    await until("a's dial to be ready", () => hasPeer(na) && hasPeer(nb));
    nb.addPeer(na.url);
    await until(
      "b's dial to be refused as a duplicate",
      () => b.logs.some((l) => /duplicate/.test(l)) || a.logs.some((l) => /duplicate/.test(l)),
    );
    const refusals = () => [...a.logs, ...b.logs].filter((l) => /duplicate/.test(l)).length;
    const settled = refusals();
    // reconnectMaxMs is 400 ms here: without parking, b would dial and be refused three or four more times
    await new Promise((r) => setTimeout(r, 1_600));
    expect(refusals()).toBe(settled);
    expect(na.peers()).toHaveLength(1);
    expect(nb.peers()).toHaveLength(1);
  });

  it("refuses a peer of another network, with a reason on both sides", async () => {
    net = new Net();
    const a = await TestHost.create("a");
    const other = await TestHost.create("other");
    other.genesisHash = "11".repeat(32) as Hash;
    const na = await net.node(a);
    const no = await net.node(other, { peers: [na.url] });
    await until("refusal logged on both sides", () => a.logged(/wrong-network/) && other.logged(/wrong-network/));
    expect(na.peers()).toEqual([]);
    expect(no.peers()).toEqual([]);
    const line = a.logs.find((l) => l.includes("wrong-network"))!;
    expect(line).toContain(a.genesisHash);
    expect(line).toContain(other.genesisHash);
    expect(line).toMatch(/connect only nodes of the same network/);
    // a wrong network is not misbehaviour: no ban
    expect(na.bans()).toEqual([]);
  });

  it("detects a connection to itself and stops dialling it", async () => {
    net = new Net();
    const a = await TestHost.create("a");
    const na = await net.node(a);
    na.addPeer(na.url);
    await until("both ends of the loop refuse", () => a.logs.filter((l) => l.includes("self-connection")).length >= 2);
    await until("target marked as self", () => na.configuredPeers()[0].self);
    expect(na.configuredPeers()[0]).toMatchObject({ url: na.url, connected: false, self: true, redialScheduled: false });
    expect(na.peers()).toEqual([]);
  });

  it("refuses inbound connections beyond maxPeers when every peer has a record worth protecting", async () => {
    net = new Net();
    const hub = await TestHost.create("hub");
    const nh = await net.node(hub, { maxPeers: 1 });
    const first = await net.raw(nh.url);
    await first.handshake("ws://127.0.0.1:1");
    // it gives the hub a new block: a peer eviction protects
    first.send({ type: "block", block: bytesToHex(encodeBlock(nextBlock(hub.chain.tip, { extra: "gift" }))) });
    await until("the gift is taken", () => hub.chain.height === 1);
    const second = await net.raw(nh.url);
    await second.whenClosed();
    expect(second.of("reject")[0]).toMatchObject({ reason: "too-many-peers" });
    expect(nh.peers()).toHaveLength(1);
  });

  it("answers plain HTTP with a hint instead of a crash", async () => {
    net = new Net();
    const n = await net.node(await TestHost.create("a"));
    const res = await fetch(n.url.replace("ws:", "http:"));
    expect(res.status).toBe(426);
    expect(await res.text()).toMatch(/WebSocket/);
  });
});
