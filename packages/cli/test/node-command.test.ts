import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { CLI, runCli } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";

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

describe("utxolab node --ban-time", () => {
  it("refuses a ban time that is not a whole number of seconds from 1", async () => {
    const r = await runCli(["node", "--memory", "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", "t", "--ban-time", "0"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--ban-time must be a whole number from 1");
  });

  it("sets how long misbehaving peers are banned", async () => {
    const { UtxoNode } = await import("@utxolab/node");
    const node = await UtxoNode.start({ memory: true, rpcPort: 0, p2pPort: 0, rpcToken: "t", web: false, banSeconds: 7, log: () => {} });
    try {
      expect(node.peers.p2p.opts.banSeconds).toBe(7);
    } finally {
      await node.stop();
    }
  });
});

describe("utxolab node --verifier / --verify-threads", () => {
  it("refuses an unknown backend or thread count, naming the choices", async () => {
    const r = await runCli(["node", "--memory", "--verifier", "openssl"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--verifier openssl: choose noble");
    const r2 = await runCli(["node", "--memory", "--verify-threads", "many"]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("--verify-threads must be a whole number from 0 to 256");
  });

  it("says in its start-up log which backend checks signatures, on how many threads", async () => {
    const p = spawn(
      process.execPath,
      [CLI, "node", "--memory", "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", "t", "--verifier", "noble", "--verify-threads", "1"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const exit = new Promise<number | null>((r) => p.on("exit", (c) => r(c)));
    while (!/chain at height/.test(out)) await new Promise((r) => setTimeout(r, 10));
    expect(out).toContain("signatures: noble, 1 verification thread");
    p.kill("SIGTERM");
    expect(await exit).toBe(0);
  });
});

describe("utxolab node signals", () => {
  it("a second signal while stopping exits at once and says so", async () => {
    const p = spawn(process.execPath, [CLI, "node", "--memory", "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", "t"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const exit = new Promise<number | null>((r) => p.on("exit", (c) => r(c)));
    const waitFor = async (re: RegExp) => {
      while (!re.test(out)) await new Promise((r) => setTimeout(r, 10));
      return re.exec(out) as RegExpExecArray;
    };
    const port = Number((await waitFor(/p2p ws:\/\/127\.0\.0\.1:(\d+)/))[1]);
    await waitFor(/chain at height/);
    // a peer that never answers the closing handshake keeps the stop busy for its grace period
    const sock = connect(port, "127.0.0.1");
    sock.on("error", () => {});
    sock.write(
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    await new Promise<void>((r) => sock.once("data", () => r()));
    p.kill("SIGTERM");
    await waitFor(/SIGTERM: stopping/);
    p.kill("SIGTERM");
    expect(await exit).toBe(1);
    expect(out).toContain("second signal: exiting without waiting");
    sock.destroy();
  });
});
