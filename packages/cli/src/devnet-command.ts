import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RpcClient } from "@utxolab/client";
import { COIN, DEVNET, devnetAccounts, encodeAddress, formatCoins } from "@utxolab/core";
import { flags, intOption, parseOptions, strings, UsageError } from "./args.js";

export const DEVNET_USAGE =
  "utxolab devnet [--nodes N] [--dir DIR] [--reset] [--automine | --mine-interval MS | --no-mining] [--mine-to ADDRESS] [--base-port N] [--quiet]";

const CLI = fileURLToPath(new URL("../bin/utxolab.js", import.meta.url));

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = createServer();
    s.once("error", () => r(false));
    s.listen(port, "127.0.0.1", () => s.close(() => r(true)));
  });
}

interface Member {
  name: string;
  proc: ChildProcess;
  datadir: string;
  rpcUrl: string;
  p2pUrl: string;
  exit: Promise<number | null>;
}

/** Every node process spawned, from the moment it is spawned: stopped on Ctrl-C even before it is ready. */
type Spawned = Pick<Member, "proc" | "exit">;

function startMember(name: string, args: string[], quiet: boolean, spawned: Spawned[]): Promise<Member> {
  // Its own process group: a terminal's Ctrl-C reaches only the devnet, which then stops
  // each node once with SIGTERM (a node takes a second signal as "exit now, unclean").
  const proc = spawn(process.execPath, [CLI, "node", ...args], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const datadir = args[args.indexOf("--datadir") + 1];
  let rpcUrl = "";
  let p2pUrl = "";
  const exit = new Promise<number | null>((r) => proc.on("exit", (c) => r(c)));
  spawned.push({ proc, exit });
  return new Promise((resolveStart, reject) => {
    let ready = false;
    let buf = "";
    const lines: string[] = [];
    const onData = (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
        lines.push(line);
        const rm = /^rpc (http:\/\/\S+)\/rpc/.exec(line);
        if (rm) rpcUrl = rm[1];
        const pm = /^p2p (ws:\/\/\S+)/.exec(line);
        if (pm) p2pUrl = pm[1];
        if (!ready && line.startsWith("chain at height")) {
          ready = true;
          resolveStart({ name, proc, datadir, rpcUrl, p2pUrl, exit });
        } else if (ready && !quiet) {
          console.log(`[${name}] ${line}`);
        }
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    exit.then((code) => {
      if (!ready) reject(new Error(`${name} exited with code ${code} before it was ready:\n${lines.join("\n")}`));
    });
  });
}

/** Nodes of a devnet directory whose node.json names a process that is still alive. */
export function runningNodesIn(dir: string): { name: string; pid: number }[] {
  const out: { name: string; pid: number }[] = [];
  for (const name of readdirSync(dir)) {
    let pid: unknown;
    try {
      pid = JSON.parse(readFileSync(join(dir, name, "node.json"), "utf8")).pid;
    } catch {
      continue;
    }
    if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
      out.push({ name, pid });
    } catch (e) {
      // EPERM: alive, owned by someone else
      if ((e as NodeJS.ErrnoException).code === "EPERM") out.push({ name, pid });
    }
  }
  return out;
}

/** The ports a devnet of n nodes from `base` needs that something else already holds. */
export async function takenPorts(base: number, n: number): Promise<{ port: number; what: string }[]> {
  const taken: { port: number; what: string }[] = [];
  for (let i = 0; i < n; i++) {
    if (!(await portFree(base + 2 * i))) taken.push({ port: base + 2 * i, what: `node${i} RPC and web page` });
    if (!(await portFree(base + 2 * i + 1))) taken.push({ port: base + 2 * i + 1, what: `node${i} peers` });
  }
  return taken;
}

export async function runDevnet(args: string[]): Promise<number> {
  const { values } = parseOptions(DEVNET_USAGE, {
    args,
    options: {
      ...strings("nodes", "dir", "mine-interval", "mine-to", "base-port"),
      ...flags("reset", "automine", "no-mining", "quiet"),
    },
  });
  const n = intOption(values.nodes, "nodes", 1, 16) ?? 3;
  const base = intOption(values["base-port"], "base-port", 1024, 65000) ?? 18443;
  const interval = intOption(values["mine-interval"], "mine-interval", 1, 86_400_000);
  if ([values.automine, interval !== undefined, values["no-mining"]].filter(Boolean).length > 1) {
    throw new UsageError(`choose one of --automine, --mine-interval MS, --no-mining\nusage: ${DEVNET_USAGE}`);
  }
  const accounts = devnetAccounts().map((a) => encodeAddress(a.pubkey, DEVNET.hrp));
  const mineTo = values["mine-to"] ?? accounts[9];
  const dir = resolve(values.dir ?? ".devnet");
  // Checked before --reset touches anything. Never move to other ports silently: a devnet on other ports looks like the old one
  // (same accounts, same page) while the URLs people copied point elsewhere.
  const taken = await takenPorts(base, n);
  if (taken.length > 0) {
    console.error(
      `error: ${taken.map((t) => `port ${t.port} (${t.what})`).join(", ")} ${taken.length === 1 ? "is" : "are"} already in use on 127.0.0.1. ` +
        `Another devnet or node is probably running: stop it, or start this one on other ports with --base-port N ` +
        `(node i uses N+2i for RPC and the page, N+2i+1 for peers).`,
    );
    return 1;
  }
  if (values.reset && existsSync(dir)) {
    // --reset deletes the directory: never under a node that still runs in it
    const running = runningNodesIn(dir);
    if (running.length > 0) {
      console.error(
        `error: --reset would delete ${dir}, but ${running.map((r) => `${r.name} (pid ${r.pid})`).join(", ")} still run${running.length === 1 ? "s" : ""} there. ` +
          "Stop that devnet first (Ctrl-C in its terminal), then run this again; nothing was deleted.",
      );
      return 1;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });

  console.log(`starting a devnet of ${n} node(s) in ${dir}${values.reset ? " (reset)" : ""}`);
  const members: Member[] = [];
  const spawned: Spawned[] = [];
  // signalled once only: a node takes a second signal as "exit now, unclean"
  const running = (m: Spawned) => !m.proc.killed && m.proc.exitCode === null && m.proc.signalCode === null;
  // If the devnet itself dies, take its nodes with it.
  process.once("exit", () => {
    for (const m of spawned) if (running(m)) m.proc.kill("SIGTERM");
  });
  const stopAll = async () => {
    for (const m of spawned) if (running(m)) m.proc.kill("SIGTERM");
    await Promise.all(spawned.map((m) => m.exit));
  };
  // Ctrl-C before the devnet is ready: the nodes run in their own process group and
  // would not hear it, so stop those already started before leaving.
  let interrupted = false;
  const stopEarly = () => {
    interrupted = true;
    console.log("\nstopping the devnet...");
    stopAll().then(() => process.exit(130));
  };
  process.once("SIGINT", stopEarly);
  process.once("SIGTERM", stopEarly);
  try {
    for (let i = 0; i < n; i++) {
      if (interrupted) throw new Error("interrupted");
      const name = `node${i}`;
      const datadir = join(dir, name);
      const rpcPort = base + 2 * i;
      const p2pPort = base + 2 * i + 1;
      const a = ["--datadir", datadir, "--rpc-port", String(rpcPort), "--p2p-port", String(p2pPort)];
      for (const m of members) a.push("--peer", m.p2pUrl);
      // One miner keeps the devnet moving; the others follow over P2P.
      if (i === 0 && !values["no-mining"]) {
        a.push("--mine-to", mineTo);
        if (interval !== undefined) a.push("--mine-interval", String(interval));
        else a.push("--automine");
      }
      members.push(await startMember(name, a, values.quiet === true, spawned));
    }
  } catch (e) {
    await stopAll();
    if (interrupted) return 130;
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }

  const rpc = RpcClient.fromDatadir({ datadir: members[0].datadir, url: members[0].rpcUrl });
  const info = await rpc.call<{ height: number; bestBlockHash: string }>("getblockchaininfo", []);
  console.log("");
  console.log(`devnet ready: height ${info.height}, tip ${info.bestBlockHash}`);
  console.log(
    `mining: ${values["no-mining"] ? "off" : interval !== undefined ? `node0 every ${interval} ms` : "node0 mines a block as soon as a transaction arrives (--automine)"}, rewards to ${mineTo}`,
  );
  console.log("");
  console.log("nodes:");
  for (const m of members) {
    console.log(`  ${m.name}  rpc ${m.rpcUrl}  p2p ${m.p2pUrl}  token ${join(m.datadir, "rpc.cookie")}`);
  }
  console.log("");
  console.log(`web page: ${members[0].rpcUrl}/`);
  console.log("");
  console.log("devnet accounts (public keys: for this devnet only):");
  for (const [i, a] of accounts.entries()) {
    const ai = await rpc.call<{ spendable: string; immature: string; balance: string }>("getaddressinfo", [a]);
    console.log(
      `  ${i}  ${a}  ${formatCoins(BigInt(ai.balance)).padStart(14)} ${BigInt(ai.balance) === COIN ? "coin" : "coins"}${ai.immature !== "0" ? ` (${formatCoins(BigInt(ai.immature))} immature)` : ""}`,
    );
  }
  console.log("");
  console.log(`try: utxolab wallet import-devnet --insecure-devnet --datadir ${members[0].datadir} --rpc ${members[0].rpcUrl}`);
  console.log("Ctrl-C stops every node; running this again resumes the same chain (--reset starts over).");

  process.off("SIGINT", stopEarly);
  process.off("SIGTERM", stopEarly);
  return new Promise<number>((resolveRun) => {
    let stopping = false;
    const shutdown = () => {
      if (stopping) return;
      stopping = true;
      console.log("\nstopping the devnet...");
      stopAll().then(() => {
        console.log("devnet stopped");
        resolveRun(0);
      });
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
    for (const m of members) {
      m.exit.then((code) => {
        if (!stopping) {
          console.error(`${m.name} exited unexpectedly (code ${code}); stopping the devnet`);
          stopping = true;
          stopAll().then(() => resolveRun(1));
        }
      });
    }
  });
}
