import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { address, cleanupAfterEach } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { UtxoNode } from "../src/index.js";
import { call } from "./helpers.js";

const quiet = { rpcPort: 0, p2pPort: 0, rpcToken: "t", web: false, log: () => undefined } as const;
const cleanup = cleanupAfterEach();

describe("node wiring", () => {
  it("concurrent generatetoaddress calls all extend the best chain", async () => {
    const dir = mkdtempSync(join(tmpdir(), "utxolab-wiring-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const node = await UtxoNode.start({ datadir: dir, ...quiet });
    cleanup.push(() => node.stop());
    const calls = await Promise.all([1, 2, 3, 4].map(() => call(node, "generatetoaddress", [2, address(1)])));
    const hashes = calls.flatMap((c) => c.result as string[]);
    expect(hashes).toHaveLength(8);
    expect(node.chain.height).toBe(8);
    for (const h of hashes) expect(node.chain.isActive(node.chain.getEntry(h)!)).toBe(true);
  });

  it("a node that cannot listen for peers releases its datadir and RPC port", async () => {
    const dir = mkdtempSync(join(tmpdir(), "utxolab-wiring-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    cleanup.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const busy = (blocker.address() as { port: number }).port;
    await expect(UtxoNode.start({ datadir: dir, ...quiet, p2pPort: busy })).rejects.toThrow(/cannot listen for peers/);
    const node = await UtxoNode.start({ datadir: dir, ...quiet });
    cleanup.push(() => node.stop());
    expect(node.chain.height).toBe(0);
  });

  it("a node given a bad peer URL stops listening instead of leaving its ports open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "utxolab-wiring-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    await new Promise<void>((r) => blocker.close(() => r()));
    await expect(UtxoNode.start({ datadir: dir, ...quiet, p2pPort: port, peers: ["localhost:1"] })).rejects.toThrow(/ws:\/\/HOST:PORT/);
    const node = await UtxoNode.start({ datadir: dir, ...quiet, p2pPort: port });
    cleanup.push(() => node.stop());
    expect(node.peers.p2p.port).toBe(port);
  });

  it("refuses an empty --rpc-token instead of running a node no one can call", async () => {
    await expect(UtxoNode.start({ memory: true, ...quiet, rpcToken: "" })).rejects.toThrow(/--rpc-token is empty/);
  });
});
