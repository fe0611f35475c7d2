import { startNode } from "./helpers.js";
// POST /api/block (workshop) takes any block, as the P2P port does; like POST /api/tx (durability's
// web guards) it must not be reachable from another site's page through a visitor's browser.

import { accounts, cleanupAfterEach } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import type { NodeConfig, UtxoNode } from "../src/index.js";

const cleanup = cleanupAfterEach();

const start = (extra: Partial<NodeConfig> = {}) => startNode(cleanup, extra);

const postBlock = (node: UtxoNode, hex: string, headers: Record<string, string>) =>
  fetch(`${node.rpc.url}/api/block`, { method: "POST", headers, body: JSON.stringify({ hex }) });

describe("POST /api/block and other sites' pages", () => {
  it("refuses a block posted by another origin's page or as a form (text/plain), and takes it as JSON from the node's own page", async () => {
    const miner = await start();
    await miner.miner.generate(1, accounts[9].pubkey);
    const { hex } = (await (await fetch(`${miner.rpc.url}/api/rawblock/1`)).json()) as { hex: string };
    const node = await start();
    const cross = await postBlock(node, hex, { "content-type": "application/json", origin: "http://evil.example" });
    expect(cross.status).toBe(403);
    expect(((await cross.json()) as { error: string }).error).toContain("--web-origin");
    // a cross-site form may post text/plain without a preflight: its body can still be JSON
    const form = await postBlock(node, hex, { "content-type": "text/plain" });
    expect(form.status).toBe(415);
    expect(node.chain.height).toBe(0);
    const own = new URL(node.rpc.url).host;
    const ok = await postBlock(node, hex, { "content-type": "application/json", origin: `http://${own}` });
    expect(ok.status).toBe(200);
    expect(node.chain.height).toBe(1);
  });

  it("takes another origin's block when that origin is allowed with --web-origin", async () => {
    const miner = await start();
    await miner.miner.generate(1, accounts[9].pubkey);
    const { hex } = (await (await fetch(`${miner.rpc.url}/api/rawblock/1`)).json()) as { hex: string };
    const node = await start({ webOrigins: ["http://lab.example"] });
    const r = await postBlock(node, hex, { "content-type": "application/json", origin: "http://lab.example" });
    expect(r.status).toBe(200);
    expect(node.chain.height).toBe(1);
  });
});
