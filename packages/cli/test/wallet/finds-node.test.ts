import { NodeProcess } from "@utxolab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWalletCommand } from "../../src/wallet/command.js";

// A node on a random port: the wallet must find it through <datadir>/node.json and
// rpc.cookie, as `utxolab rpc` and the demos do, with no --rpc and no --rpc-token.
let node: NodeProcess;

beforeAll(async () => {
  node = await NodeProcess.start({ cookie: true, memory: true });
});

afterAll(async () => {
  await node?.stop();
});

async function wallet(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runWalletCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("the wallet finds the node of a datadir", () => {
  it("with --datadir alone: URL from node.json, token from rpc.cookie", async () => {
    expect(node.rpcUrl).not.toBe("http://127.0.0.1:18443");
    const imported = await wallet(["import-devnet", "--insecure-devnet", "--datadir", node.datadir]);
    expect(imported.err).toBe("");
    expect(imported.code).toBe(0);
    const balance = await wallet(["balance", "--json", "--datadir", node.datadir]);
    expect(balance.code).toBe(0);
    expect(BigInt(JSON.parse(balance.out).spendable)).toBe(10_000n * 100_000_000n);
  });

  it("with $UTXOLAB_DATADIR alone", async () => {
    const env = { UTXOLAB_DATADIR: node.datadir };
    expect((await wallet(["import-devnet", "--insecure-devnet", "--wallet", "env"], env)).code).toBe(0);
    const balance = await wallet(["balance", "--json", "--wallet", "env"], env);
    expect(balance.code).toBe(0);
    expect(BigInt(JSON.parse(balance.out).spendable)).toBe(10_000n * 100_000_000n);
  });
});
