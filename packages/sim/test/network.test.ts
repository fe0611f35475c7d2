import { DEVNET, genesisHash, SigCache } from "@utxolab/core";
import { blockMessage, encodeMessage } from "@utxolab/p2p";
import { describe, expect, it } from "vitest";
import { BlockBank, Network, Rng, Scheduler, SimNode, Trace, urlOf } from "../src/index.js";

/** Two or more real nodes on the simulated network, without the Simulation around them. */
async function pair(n = 2, knownInventory?: number) {
  const sched = new Scheduler();
  const trace = new Trace();
  const net = new Network(sched, new Rng(1), trace);
  const bank = new BlockBank(genesisHash(DEVNET));
  const hooks = { accepted: () => {}, tipChanged: () => {}, reorg: () => {} };
  const nodes: SimNode[] = [];
  for (let i = 0; i < n; i++) {
    net.add(i, i % 2);
    nodes.push(
      new SimNode({
        id: i,
        region: i % 2,
        params: DEVNET,
        sched,
        net,
        bank,
        sigCache: new SigCache(),
        rng: new Rng(i),
        hooks,
        peers: i === 0 ? [] : [0],
        epochMs: (DEVNET.genesis.time + 60) * 1000,
        verifyMs: 0,
        maxPeers: 8,
        ...(knownInventory !== undefined ? { knownInventory } : {}),
      }),
    );
  }
  for (const x of nodes) await x.start();
  return { sched, net, nodes, trace, bank };
}

describe("the simulated network under the real peer code", () => {
  it("connects nodes through the Transport interface and relays a block with region latency", async () => {
    const { sched, nodes } = await pair();
    await sched.run(5_000);
    expect(nodes[0].p2p.peers().map((p) => p.url)).toEqual([urlOf(1)]);
    expect(nodes[1].p2p.peers()[0].url).toBe(urlOf(0));
    const t0 = sched.now;
    const e = await nodes[0].mine("x");
    let arrived = -1;
    await sched.run(t0 + 10_000, () => {
      if (arrived < 0 && nodes[1].chain.tip.hash === e.hash) arrived = sched.now;
      return false;
    });
    expect(nodes[1].chain.tip.hash).toBe(e.hash);
    // inv, getdata, block: three one-way trips of 45 ms between north america and europe
    expect(arrived - t0).toBeGreaterThanOrEqual(3 * 45);
    expect(arrived - t0).toBeLessThan(3 * 45 + 20);
  });

  it("a partition cuts the connection and refuses dials until healed; then the peers reconnect", async () => {
    const { sched, net, nodes } = await pair();
    await sched.run(5_000);
    net.setPartition([[0], [1]]);
    await sched.run(sched.now + 1_000);
    expect(nodes[0].p2p.peers()).toEqual([]);
    await nodes[0].mine("during");
    await sched.run(sched.now + 120_000);
    expect(nodes[1].chain.height).toBe(0);
    net.setPartition(undefined);
    await sched.run(sched.now + 60_000);
    expect(nodes[1].chain.height).toBe(1);
    expect(nodes[1].p2p.peers().length).toBe(1);
  });

  it("a crashed node loses its connections and pool but keeps its chain across a restart", async () => {
    const { sched, nodes } = await pair();
    await sched.run(5_000);
    await nodes[0].mine("a");
    await sched.run(sched.now + 5_000);
    nodes[1].crash();
    await sched.run(sched.now + 1_000);
    expect(nodes[0].p2p.peers()).toEqual([]);
    await nodes[0].mine("b");
    await sched.run(sched.now + 5_000);
    await nodes[1].restart();
    expect(nodes[1].chain.height).toBe(1);
    await sched.run(sched.now + 60_000);
    expect(nodes[1].chain.tip.hash).toBe(nodes[0].chain.tip.hash);
    expect(nodes[1].restarts).toBe(1);
  });

  it("backpressure: bufferedAmount holds what a slow link has not sent yet", async () => {
    const { sched, net, nodes } = await pair();
    await sched.run(5_000);
    net.setFault(0, 1, { loss: 0, reorderMs: 0, slow: 1_000 });
    net.blockPadBytes = 5_000_000;
    const sockets = (nodes[0].p2p as unknown as { peersById: Map<number, { socket: { bufferedAmount: number } }> }).peersById;
    const sock = [...sockets.values()][0].socket;
    const e = await nodes[0].mine("big");
    // inv and getdata take 45 s each on this link; then five megabytes at 2.5 bytes/ms take 2,000 s
    await sched.run(sched.now + 200_000);
    expect(sock.bufferedAmount).toBeGreaterThan(4_000_000);
    expect(nodes[1].chain.tip.hash).not.toBe(e.hash);
  });

  it("a block pushed unasked is stored only with more work than the tip, as in the real node", async () => {
    const { sched, nodes, bank } = await pair();
    await sched.run(5_000);
    const b = await nodes[1].mine("b");
    await sched.run(sched.now + 5_000);
    expect(nodes[0].chain.tip.hash).toBe(b.hash);
    // node 0 builds a rival at the same height and pushes it to node 1 without an announcement
    const genesis = nodes[0].chain.getEntry(genesisHash(DEVNET));
    if (!genesis) throw new Error("no genesis entry");
    const rival = await nodes[0].mine("rival", { parent: genesis, hide: true });
    const sockets = (nodes[0].p2p as unknown as { peersById: Map<number, { socket: { send(t: string): void } }> }).peersById;
    const sock = [...sockets.values()][0].socket;
    const rawOf = (h: string) => {
      const raw = bank.raw(h);
      if (!raw) throw new Error(`block ${h} not in the bank`);
      return raw;
    };
    sock.send(encodeMessage(blockMessage(rawOf(rival.hash))));
    await sched.run(sched.now + 5_000);
    expect(nodes[1].chain.getEntry(rival.hash)).toBeUndefined();
    expect(nodes[1].chain.tip.hash).toBe(b.hash);
    // a block on node 1's tip carries more work: taken unasked
    const next = await nodes[0].mine("c", { parent: b, hide: true });
    sock.send(encodeMessage(blockMessage(rawOf(next.hash))));
    await sched.run(sched.now + 5_000);
    expect(nodes[1].chain.getEntry(next.hash)).toBeDefined();
    expect(nodes[1].chain.tip.hash).toBe(next.hash);
  });

  it("passes a shorter known-inventory bound to the peer layer: a peer remembers only the newest hashes", async () => {
    const { sched, nodes } = await pair(2, 3);
    await sched.run(5_000);
    const peer = [
      ...(nodes[0].p2p as unknown as { peersById: Map<number, { knownInv: { capacity: number; size: number } }> }).peersById.values(),
    ][0];
    expect(peer.knownInv.capacity).toBe(3);
    for (let i = 0; i < 5; i++) {
      await nodes[0].mine(`k${i}`);
      await sched.run(sched.now + 5_000);
    }
    expect(nodes[1].chain.height).toBe(5);
    expect(peer.knownInv.size).toBe(3);
    const real = await pair();
    await real.sched.run(5_000);
    const realPeer = [
      ...(real.nodes[0].p2p as unknown as { peersById: Map<number, { knownInv: { capacity: number } }> }).peersById.values(),
    ][0];
    expect(realPeer.knownInv.capacity).toBe(100_000);
  });
});
