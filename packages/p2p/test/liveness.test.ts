import { DEVNET } from "@utxolab/core";
import { until } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { P2PNode } from "../src/index.js";
import { closeAfterEach, hasPeer, Net, TestHost } from "./helpers.js";

let net: Net;
closeAfterEach(() => net);

describe("liveness", () => {
  it("answers pings, and drops a peer that leaves a ping unanswered", async () => {
    net = new Net();
    const h = await TestHost.create("h");
    const n = await net.node(h, { pingIntervalMs: 40, pingTimeoutMs: 120 });
    const friend = await TestHost.create("friend");
    const nf = await net.node(friend, { peers: [n.url], pingIntervalMs: 40, pingTimeoutMs: 120 });
    const silent = await net.raw(n.url);
    await silent.handshake("ws://127.0.0.1:6001");
    await until("the node pings", () => silent.has("ping"));
    const closed = await silent.whenClosed();
    expect(closed.reason).toBe("no pong within 120 ms");
    await until("the drop is logged", () => h.logged(/peer \d+ \(ws:\/\/127\.0\.\d+\.\d+:6001, inbound\) left: no pong within 120 ms/));
    // the honest peer answers pings and stays; it is not banned for being slow either
    await until("the friend gets pongs", () => (nf.peers()[0]?.received.pong ?? 0) >= 2);
    expect(hasPeer(n, nf.url)).toBe(true);
    expect(n.peers().find((p) => p.listen === nf.url)?.pingMs).toBeGreaterThanOrEqual(0);
    expect(n.bans()).toEqual([]);
  });

  it("drops a connection that never finishes the handshake", async () => {
    net = new Net();
    const h = await TestHost.create("h");
    const n = await net.node(h, { handshakeTimeoutMs: 100 });
    const mute = await net.raw(n.url);
    const c = await mute.whenClosed();
    expect(c.reason).toMatch(/no handshake within 100 ms/);
    expect(n.bans()).toEqual([]);
  });

  it("redials a configured peer with exponential backoff until it is back", async () => {
    net = new Net();
    const a = await TestHost.create("a");
    const b = await TestHost.create("b");
    const nb = await net.node(b);
    const port = nb.port;
    const na = await net.node(a, { peers: [nb.url], reconnectBaseMs: 40, reconnectMaxMs: 1_000 });
    await until("connected", () => hasPeer(na, nb.url));
    await nb.close();
    await until("three failed redials", () => a.logs.filter((l) => l.includes("retrying in")).length >= 3);
    const delays = a.logs
      .filter((l) => l.includes("retrying in"))
      .map((l) => Number(/retrying in (\d+) ms/.exec(l)?.[1]))
      .slice(0, 3);
    expect(delays).toEqual([40, 80, 160]); // the first is in the "left" line
    expect(a.logged(/left: (connection lost|closed by the peer)/)).toBe(true);
    // b comes back on the same port, a block richer
    await b.mine(2);
    const back = new P2PNode(b, { params: DEVNET, port });
    net.nodes.push(back);
    b.p2p = back;
    await back.start();
    await until("reconnected", () => hasPeer(na, `ws://127.0.0.1:${port}`));
    await until("a synced what b mined meanwhile", () => a.tip === b.tip);
    expect(na.configuredPeers()[0]).toMatchObject({ connected: true, failures: 0 });
  });

  it("cuts and restores the network on request", async () => {
    net = new Net();
    const a = await TestHost.create("a");
    const b = await TestHost.create("b");
    const na = await net.node(a);
    const nb = await net.node(b, { peers: [na.url] });
    await until("connected", () => hasPeer(na) && hasPeer(nb));
    nb.disconnectAll();
    await until("a configured peer comes back after disconnectAll", () => hasPeer(nb));
    nb.setNetworkEnabled(false);
    await until("apart", () => !hasPeer(na) && !hasPeer(nb));
    expect(nb.configuredPeers()[0].redialScheduled).toBe(false);
    nb.setNetworkEnabled(true);
    await until("together again", () => hasPeer(na) && hasPeer(nb));
    expect(nb.removePeer(na.url)).toBe(true);
    await until("removed peer dropped", () => !hasPeer(nb));
    expect(nb.configuredPeers()).toEqual([]);
  });
});
