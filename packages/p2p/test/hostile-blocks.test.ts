import { blockHash, bytesToHex, DEVNET, encodeBlock, genesisBlock } from "@utxolab/core";
import { nextBlock, until } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { closeAfterEach, Net, TestHost } from "./helpers.js";

let net: Net;
closeAfterEach(() => net);

describe("hostile blocks (issue 12)", () => {
  // Attack 1: after the first failed check, nothing more of that peer's is checked.
  it("a peer whose block fails is banned, and the blocks it queued behind it are never checked", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    const node = await net.node(host);
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:4401");
    const bad = nextBlock(host.chain.tip, { extra: "greedy", claim: 51n * 100_000_000n });
    r.send({ type: "block", block: bytesToHex(encodeBlock(bad)) });
    // valid-looking blocks on the tip: each one would cost a full check without the fix
    for (let i = 0; i < 5; i++) r.send({ type: "block", block: bytesToHex(encodeBlock(nextBlock(host.chain.tip, { extra: `more${i}` }))) });
    await r.whenClosed();
    await node.idle();
    expect(r.of("reject").at(-1)).toMatchObject({ reason: "banned" });
    expect(host.submittedBlocks).toBe(1);
    expect(host.chain.height).toBe(0);
  });

  // Attack 6: low-work fork blocks sent unasked were stored forever.
  it("an unasked block with no more work than the tip is not stored, and five of them ban", async () => {
    net = new Net();
    const host = await TestHost.create("victim");
    const node = await net.node(host);
    await host.mine(3);
    const r = await net.raw(node.url);
    await r.handshake("ws://127.0.0.1:4402");
    const g = genesisBlock(DEVNET);
    const forks = Array.from({ length: 5 }, (_, i) => {
      // a one-block fork from genesis: valid, but far less work than the tip
      return nextBlock(host.chain.genesis, { extra: `fork${i}` });
    });
    expect(forks[0].header.prevHash).toBe(blockHash(g.header));
    r.send({ type: "block", block: bytesToHex(encodeBlock(forks[0])) });
    await until("low-work block scored", () => host.logged(/unasked, with no more work than our tip \(ban score 20\/100\)/));
    expect(host.chain.getEntry(blockHash(forks[0].header))).toBeUndefined();
    for (const f of forks.slice(1)) r.send({ type: "block", block: bytesToHex(encodeBlock(f)) });
    await r.whenClosed();
    expect(r.of("reject").at(-1)).toMatchObject({ reason: "banned" });
    for (const f of forks) expect(host.chain.getEntry(blockHash(f.header))).toBeUndefined();
    expect(host.chain.height).toBe(3);
  });
});
