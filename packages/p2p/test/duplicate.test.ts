import { until } from "@utxolab/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { closeAfterEach, Net, type RawPeer, TestHost } from "./helpers.js";

let net: Net;
closeAfterEach(() => net);

/** Servers a test started, closed after it. */
const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** Highest possible nonce: the victim's own is lower, so its lower-nonce rule applies to C. */
const C_NONCE = "ffffffffffffffff";

/**
 * A listener at `host` (a loopback address of its own) that answers every dial with a
 * `version` carrying `nonce`, someone else's: a URL in the victim's peer list that is an
 * attacker's. It completes the handshake and answers pings.
 */
async function framer(host: string, nonce: string): Promise<{ url: string; dialled: () => number }> {
  const wss = new WebSocketServer({ host, port: 0 });
  servers.push(wss);
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const port = (wss.address() as { port: number }).port;
  const url = `ws://${host}:${port}`;
  let dialled = 0;
  wss.on("connection", (ws) => {
    dialled++;
    ws.on("error", () => {});
    ws.on("message", (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === "version") {
        ws.send(JSON.stringify({ ...m, userAgent: "/framer/", height: 0, nonce, listen: url }));
        ws.send(JSON.stringify({ type: "verack" }));
      } else if (m.type === "ping") ws.send(JSON.stringify({ type: "pong", nonce: m.nonce, height: 0 }));
    });
  });
  return { url, dialled: () => dialled };
}

/** The honest node C: a raw peer from its own loopback address with its own nonce. */
async function honestC(url: string): Promise<RawPeer> {
  const c = await net.raw(url, "127.0.0.3");
  c.ws.on("message", (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === "ping") c.send({ type: "pong", nonce: m.nonce, height: 0 });
  });
  c.send(c.version("ws://127.0.0.3:18444", { nonce: C_NONCE }));
  await until("C's handshake answered", () => c.has("verack") || c.closed !== undefined);
  return c;
}

const framerPeer = (n: { peers(): { inbound: boolean; listen: string | null }[] }, url: string) =>
  n.peers().some((p) => !p.inbound && p.listen === url);
const cPeer = (n: { peers(): { inbound: boolean; remote: string }[] }) =>
  n.peers().some((p) => p.inbound && p.remote.startsWith("127.0.0.3:"));

// issue 12, final attack "dup-frame": `duplicate` trusted the nonce a node WE dialled answered
// with. A URL in our peer list may be the attacker's: answering our dial with honest C's nonce
// made us refuse C's inbound connection, and the lower-nonce rule closed it.
describe("duplicate: a dialled attacker answering with another node's nonce", () => {
  it("does not make the node refuse that node's inbound connection", async () => {
    net = new Net();
    const victim = await TestHost.create("victim");
    const nv = await net.node(victim);
    const f = await framer("127.0.0.2", C_NONCE);
    nv.addPeer(f.url);
    await until("the victim's dial to the framer is ready", () => framerPeer(nv, f.url));
    const c = await honestC(nv.url);
    expect(c.of("reject")).toEqual([]);
    expect(c.has("verack")).toBe(true);
    c.send({ type: "verack" });
    await until("C is ready on the victim", () => cPeer(nv));
    // C stays: a few pings and heartbeats later it is still connected, never told `duplicate`
    await new Promise((r) => setTimeout(r, 500));
    expect(c.closed).toBeUndefined();
    expect(cPeer(nv)).toBe(true);
    expect(framerPeer(nv, f.url)).toBe(true);
    expect(victim.logged(/duplicate/)).toBe(false);
  });

  it("does not make the lower-nonce rule close that node's inbound connection", async () => {
    net = new Net();
    const victim = await TestHost.create("victim");
    const nv = await net.node(victim);
    expect(nv.nonce < C_NONCE).toBe(true);
    const c = await honestC(nv.url);
    c.send({ type: "verack" });
    await until("C is ready on the victim", () => cPeer(nv));
    const f = await framer("127.0.0.2", C_NONCE);
    nv.addPeer(f.url);
    await until("the victim's dial to the framer is ready", () => framerPeer(nv, f.url));
    await new Promise((r) => setTimeout(r, 500));
    expect(c.closed).toBeUndefined();
    expect(c.of("reject")).toEqual([]);
    expect(cPeer(nv)).toBe(true);
    expect(victim.logged(/duplicate/)).toBe(false);
  });

  it("a copycat from the address the node dialled is still refused as a duplicate (one host, one node)", async () => {
    // the remaining case docs/protocol.md names: the same nonce from the same address is taken
    // as the same node, so two processes behind one address can still be confused
    net = new Net();
    const victim = await TestHost.create("victim");
    const nv = await net.node(victim);
    const f = await framer("127.0.0.4", C_NONCE);
    nv.addPeer(f.url);
    await until("the victim's dial to the framer is ready", () => framerPeer(nv, f.url));
    const copy = await net.raw(nv.url, "127.0.0.4");
    copy.send(copy.version(null, { nonce: C_NONCE }));
    await copy.whenClosed();
    expect(copy.of("reject")[0]).toMatchObject({ reason: "duplicate" });
    expect(copy.has("verack")).toBe(false);
    expect(framerPeer(nv, f.url)).toBe(true);
  });
});
