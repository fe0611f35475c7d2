// What several benchmarks share: their command-line options, and a real `utxolab node`
// process on free loopback ports that they talk to over JSON-RPC.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export const CLI = new URL("../../packages/cli/bin/utxolab.js", import.meta.url).pathname;

/** The value after `--name` on the command line, or `dflt`. */
export function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

/**
 * Starts `utxolab node ARGS…` (on a datadir or `--memory`) and resolves when its chain is
 * loaded: `rpc(method, ...params)` returns the result or throws the node's error; `cpu()` is
 * the CPU seconds it has used, `rss()` its resident MB, `startSecs` how long it took to start.
 * BENCH_NODE_FLAGS="--cpu-prof" profiles the node process; BENCH_VERBOSE=1 prints its output.
 */
export function startNode(args) {
  const token = "bench-token";
  const flags = process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(" ") : [];
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...flags, CLI, "node", "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", token, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const m = /rpc (http:\/\/\S+)\/rpc/.exec(out);
      if (m && out.includes("chain at height")) {
        proc.stdout.off("data", onData);
        // the node prints a line per block: keep the pipe drained
        proc.stdout.on("data", (d) => process.env.BENCH_VERBOSE && process.stdout.write(d));
        resolve({
          proc,
          url: m[1],
          startSecs: (performance.now() - t0) / 1000,
          async rpc(method, ...params) {
            const r = await fetch(`${m[1]}/rpc`, {
              method: "POST",
              headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
              body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
            });
            const j = await r.json();
            if (j.error) throw new Error(`${method}: ${j.error.message} ${j.error.data ?? ""}`);
            return j.result;
          },
          /** CPU seconds the node process has used (user + system) */
          cpu() {
            const f = readFileSync(`/proc/${proc.pid}/stat`, "utf8").split(") ")[1].split(" ");
            return (Number(f[11]) + Number(f[12])) / 100;
          },
          rss() {
            const s = readFileSync(`/proc/${proc.pid}/status`, "utf8");
            return Number(/VmRSS:\s+(\d+) kB/.exec(s)[1]) / 1024;
          },
          stop() {
            const exited = new Promise((r) => proc.on("exit", r));
            proc.kill("SIGTERM");
            return exited;
          },
        });
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", (d) => {
      out += d;
      if (process.env.BENCH_VERBOSE) process.stderr.write(d);
    });
    proc.on("exit", (c) => reject(new Error(`node exited ${c}: ${out}`)));
  });
}
