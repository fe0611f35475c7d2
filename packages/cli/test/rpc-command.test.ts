import { describe, expect, it } from "vitest";
import { NodeProcess, runCli } from "../../../test/helpers/node-process.js";

describe("utxolab rpc", () => {
  it("explains a malformed --rpc URL without a stack trace", async () => {
    const r = await runCli(["rpc", "getblockchaininfo", "--rpc", "foo", "--rpc-token", "t"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--rpc "foo" is not a URL');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("finds a running node from --datadir alone: its cookie and its RPC URL", async () => {
    const node = await NodeProcess.start({ cookie: true });
    try {
      const r = await runCli(["rpc", "getblockhash", "0", "--datadir", node.datadir]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(await node.rpc("getblockhash", 0));
      const g = await runCli([
        "rpc",
        "generatetoaddress",
        "1",
        "lab1pm0gpjy9r5ync5vue0kky8q5472r7vqmuazz9epsstuw00luf3wq0qhn2h",
        "--datadir",
        node.datadir,
      ]);
      expect(JSON.parse(g.stdout)).toHaveLength(1);
      expect((await node.rpc("getblockchaininfo")).height).toBe(1);
    } finally {
      await node.stop();
    }
  });

  it("says what to do when the datadir has no running node", async () => {
    const r = await runCli(["rpc", "getblockchaininfo", "--datadir", "/nonexistent/utxolab"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rpc\.cookie cannot be read.*--datadir DIR of the node, or --rpc-token/);
  });
});
