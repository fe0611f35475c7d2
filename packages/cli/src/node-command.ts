import { ConfigError, DEFAULT_P2P_PORT, DEFAULT_RPC_PORT, type StartedNode, UtxoNode } from "@utxolab/node";
import { flags, intOption, lists, parseOptions, strings, UsageError } from "./args.js";

export const NODE_USAGE =
  "utxolab node [--datadir DIR] [--network devnet] [--rpc-port N] [--p2p-port N] [--peer ws://HOST:PORT]... [--mine-to ADDRESS] [--automine] [--mine-interval MS] [--memory] [--rpc-token T] [--rpc-bind ADDR] [--p2p-bind ADDR] [--maxmempool BYTES] [--reindex] [--repair] [--mempool-save-interval MS] [--allow-host NAME]... [--web-origin URL]... [--load-chain FILE] [--ban-time SECONDS] [--verifier noble|libsecp256k1] [--verify-threads N]";

/** Runs a node until SIGINT/SIGTERM or the `stop` RPC; resolves with the exit code. */
export async function runNode(args: string[]): Promise<number> {
  const { values } = parseOptions(NODE_USAGE, {
    args,
    options: {
      ...strings("datadir", "network", "rpc-port", "p2p-port", "rpc-bind", "p2p-bind", "mine-to", "mine-interval", "rpc-token"),
      ...strings("maxmempool", "load-chain", "mempool-save-interval", "ban-time", "verifier", "verify-threads"),
      ...flags("automine", "memory", "reindex", "repair"),
      ...lists("peer", "allow-host", "web-origin"),
    },
  });
  const verifier = values.verifier;
  if (verifier !== undefined && verifier !== "noble" && verifier !== "libsecp256k1") {
    throw new UsageError(`--verifier ${verifier}: choose noble (pure JavaScript) or libsecp256k1 (WebAssembly, the default when it loads)`);
  }
  // options that need each other are a typing mistake, said before anything starts (exit 2)
  if ((values.automine || values["mine-interval"] !== undefined) && values["mine-to"] === undefined) {
    throw new UsageError(`--automine and --mine-interval need --mine-to ADDRESS (who gets the block rewards)\nusage: ${NODE_USAGE}`);
  }
  // A signal during start-up (the verification threads and the store take a moment) must not
  // kill the process with its cookie and lock in place: remember it, stop cleanly once started.
  let early: string | undefined;
  const earlyInt = () => {
    early ??= "SIGINT";
  };
  const earlyTerm = () => {
    early ??= "SIGTERM";
  };
  process.on("SIGINT", earlyInt);
  process.on("SIGTERM", earlyTerm);
  let node: StartedNode;
  try {
    node = await UtxoNode.start({
      datadir: values.datadir,
      memory: values.memory,
      network: values.network,
      rpcPort: intOption(values["rpc-port"], "rpc-port", 0, 65535) ?? DEFAULT_RPC_PORT,
      p2pPort: intOption(values["p2p-port"], "p2p-port", 0, 65535) ?? DEFAULT_P2P_PORT,
      rpcBind: values["rpc-bind"],
      p2pBind: values["p2p-bind"],
      peers: values.peer,
      mineTo: values["mine-to"],
      automine: values.automine,
      mineIntervalMs: intOption(values["mine-interval"], "mine-interval", 1, 86_400_000),
      rpcToken: values["rpc-token"],
      mempoolMaxBytes: intOption(values.maxmempool, "maxmempool", 10_000, 10_000_000_000),
      loadChain: values["load-chain"],
      reindex: values.reindex,
      allowHosts: values["allow-host"],
      webOrigins: values["web-origin"],
      mempoolSaveIntervalMs: intOption(values["mempool-save-interval"], "mempool-save-interval", 0, 86_400_000),
      repair: values.repair,
      banSeconds: intOption(values["ban-time"], "ban-time", 1, 365 * 24 * 60 * 60),
      verifier,
      verifyThreads: intOption(values["verify-threads"], "verify-threads", 0, 256),
      log: (line) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`),
    });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const err = e as NodeJS.ErrnoException & { port?: number };
    if (err.code === "EADDRINUSE") {
      console.error(
        `error: port ${err.port ?? ""} is already in use (another node running?). Pass --rpc-port N / --p2p-port N, or 0 for any free port.`,
      );
    } else if (e instanceof ConfigError || err.name === "StoreError") {
      console.error(`error: ${err.message}`);
    } else {
      console.error(`error: the node could not start: ${err.message}`);
    }
    return 1;
  }
  console.log(`utxolab node on ${node.params.name}, datadir ${values.memory && !values.datadir ? "(memory)" : node.datadir}`);
  console.log(`rpc ${node.rpc.url}/rpc (token ${node.cookiePath ? `in ${node.cookiePath}` : "from --rpc-token"})`);
  console.log(`p2p ${node.peers.url}`);
  console.log(`web ${node.rpc.url}/`);
  console.log(`chain at height ${node.chain.height}, tip ${node.chain.tip.hash}`);
  return new Promise<number>((resolve) => {
    let signals = 0;
    const shutdown = (why: string) => {
      if (++signals > 1) {
        console.error("second signal: exiting without waiting");
        process.exit(1);
      }
      console.log(`${why}: stopping (finishing the current block, closing the database)`);
      node.stop().then(
        () => {
          console.log("stopped cleanly");
          resolve(0);
        },
        (e) => {
          console.error(`error while stopping: ${(e as Error).message}`);
          resolve(1);
        },
      );
    };
    node.onFatal = (e) => {
      console.error(`error: the node stopped after a failed storage write: ${e.message}`);
      console.error("free space (or fix the disk), then start the node again: it resumes from the last block it stored");
      resolve(1);
    };
    node.onStopped = () => {
      console.log("stopped cleanly (rpc stop)");
      resolve(0);
    };
    // `on`, not `once`: a second signal must reach `shutdown`, which exits at once
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.off("SIGINT", earlyInt);
    process.off("SIGTERM", earlyTerm);
    if (early) shutdown(early);
  });
}
