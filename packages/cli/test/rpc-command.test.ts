import { describe, expect, it } from "vitest";
import { runCli } from "../../../test/helpers/node-process.js";

describe("utxolab rpc", () => {
  it("explains a malformed --rpc URL without a stack trace", async () => {
    const r = await runCli(["rpc", "getblockchaininfo", "--rpc", "foo", "--rpc-token", "t"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--rpc "foo" is not a URL');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
