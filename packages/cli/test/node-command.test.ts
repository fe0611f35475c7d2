import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../test/helpers/node-process.js";

describe("utxolab node", () => {
  it("says which option to change when the peer port is taken", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(["node", "--memory", "--rpc-port", "0", "--p2p-port", String(port), "--rpc-token", "t"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${port} is already in use`);
      expect(r.stderr).toContain("--p2p-port");
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });
});
