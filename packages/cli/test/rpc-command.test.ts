import { NodeProcess, runCli } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";

describe("utxolab rpc", () => {
  it("explains a malformed --rpc URL without a stack trace", async () => {
    const r = await runCli(["rpc", "getblockchaininfo", "--rpc", "foo", "--rpc-token", "t"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--rpc "foo" is not a URL');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("--json keeps stdout one JSON document for a mistyped command too, and -h prints the usage", async () => {
    const r = await runCli(["rpc", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: { kind: "usage", code: 0, message: expect.stringContaining("which method?") } });
    const h = await runCli(["rpc", "-h"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("usage: utxolab rpc METHOD");
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

  it("--json prints one JSON document on stdout, for a result and for an error, and the wallet does too", async () => {
    const node = await NodeProcess.start({ cookie: true });
    try {
      const ok = await runCli(["rpc", "getblockcount", "--json", "--datadir", node.datadir]);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toEqual({ result: 0 });
      const help = await runCli(["rpc", "help", "--json", "--datadir", node.datadir]);
      expect(JSON.parse(help.stdout).result).toContain("== Blockchain ==");
      const bad = await runCli(["rpc", "getblockhash", "99", "--json", "--datadir", node.datadir]);
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.stdout)).toEqual({ error: { kind: "refused", code: -8, message: expect.stringContaining("out of range") } });
      const text = await runCli(["rpc", "help", "getblockheader", "--datadir", node.datadir]);
      expect(text.stdout).toMatch(/^getblockheader "blockhash" \( verbose \)/);
      const w = await runCli(["wallet", "balance", "--json", "--wallet", "nobody", "--datadir", node.datadir]);
      expect(w.code).toBe(1);
      expect(JSON.parse(w.stdout).error.message).toMatch(/no wallet "nobody"/);
    } finally {
      await node.stop();
    }
    const down = await runCli(["rpc", "getblockcount", "--json", "--rpc", "http://127.0.0.1:1", "--rpc-token", "t"]);
    expect(JSON.parse(down.stdout).error.kind).toBe("unreachable");
  });

  it("says what to do when the datadir has no running node", async () => {
    const r = await runCli(["rpc", "getblockchaininfo", "--datadir", "/nonexistent/utxolab"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rpc\.cookie cannot be read.*--datadir DIR of the node, or --rpc-token/);
  });
});
