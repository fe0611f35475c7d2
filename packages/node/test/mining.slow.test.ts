import { address, GENESIS_VALUE, genesisCoin, NodeProcess, pay, until } from "@utxolab/testkit";
import { afterEach, describe, expect, it } from "vitest";

let node: NodeProcess | undefined;
afterEach(async () => {
  await node?.stop();
  node = undefined;
});

describe("mining", () => {
  it("mines a block every --mine-interval", async () => {
    node = await NodeProcess.start({ args: ["--mine-to", address(3), "--mine-interval", "100"] });
    await until("three interval blocks", async () => (await node!.rpc("getblockchaininfo")).height >= 3);
    const info = await node.rpc("getaddressinfo", address(3));
    expect(BigInt(info.balance)).toBeGreaterThanOrEqual(GENESIS_VALUE + 3n * 5_000_000_000n);
  });

  it("mines a block as soon as a transaction enters the pool with --automine", async () => {
    node = await NodeProcess.start({ args: ["--mine-to", address(3), "--automine"] });
    expect((await node.rpc("getblockchaininfo")).height).toBe(0);
    const p = pay(
      [genesisCoin(0)],
      [
        [1, 5_000_000n],
        [0, GENESIS_VALUE - 5_000_000n - 400n],
      ],
    );
    await node.rpc("sendrawtransaction", p.hex);
    await until("the payment mined", async () => (await node!.rpc("gettxout", p.txid, 0))?.confirmations === 1);
    const b = await node.rpc("getblock", await node.rpc("getblockhash", 1), true);
    expect(b.txids).toContain(p.txid);
    const cb = await node.rpc("getrawtransaction", b.txids[0], true);
    expect(cb.outputs[0]).toMatchObject({ address: address(3), value: (5_000_000_000n + 400n).toString() });
    await node.waitFor(/tx accepted from rpc: [0-9a-f]{64} fee 400 units \([0-9.]+ units\/byte, \d+ bytes\)/);
  });

  it("keeps answering RPC while it mines many blocks", async () => {
    node = await NodeProcess.start();
    const mining = node.rpc<string[]>("generatetoaddress", 300, address(2));
    let answered = 0;
    let done = false;
    mining.then(() => (done = true));
    while (!done) {
      const info = await node.rpc("getblockchaininfo");
      expect(info.network).toBe("devnet");
      answered++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await mining).length).toBe(300);
    expect(answered).toBeGreaterThan(3);
  });

  it("stops cleanly on SIGINT", async () => {
    node = await NodeProcess.start();
    await node.rpc("generatetoaddress", 2, address(1));
    expect(await node.kill("SIGINT")).toBe(0);
    expect(node.output.join("\n")).toMatch(/SIGINT: stopping[\s\S]*stopped cleanly/);
  });
});
