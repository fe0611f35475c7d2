import { useBackend, type VerifierChoice } from "@utxolab/core/native";
import { commandArgs, exitCodeFor, HelpRequested, USAGE_EXIT, UsageError } from "./args.js";
import { DEMO_USAGE, runDemo } from "./demo/command.js";
import { DEVNET_USAGE, runDevnet } from "./devnet-command.js";
import { runGenesis } from "./genesis-command.js";
import { NODE_USAGE, runNode } from "./node-command.js";
import { needsRespawn, respawnWith, SIM_V8_FLAGS } from "./respawn.js";
import { RPC_USAGE, runRpc } from "./rpc-command.js";
import { runSim, SIM_USAGE } from "./sim-command.js";
import { runWalletCommand } from "./wallet/command.js";

const HELP = `utxolab: a teaching UTXO blockchain node

  ${NODE_USAGE}
  ${RPC_USAGE}
  ${DEVNET_USAGE}
  utxolab wallet COMMAND ...        (create, import, import-devnet, address, addresses, balance, utxos, history, send, mktx, sign, broadcast; utxolab wallet help)
  utxolab genesis                   prints the devnet genesis block and the ten devnet accounts
  ${DEMO_USAGE}
  ${SIM_USAGE}
`;

async function main(argv: string[]): Promise<number> {
  const { cmd, rest } = commandArgs(argv);
  // the simulator wants a bigger young generation, which V8 sets only at start (respawn.ts)
  if (cmd === "sim" && needsRespawn(SIM_V8_FLAGS)) return respawnWith(SIM_V8_FLAGS);
  // Every command signs and verifies through core's seam: the wallet, the demos and the devnet
  // sign with libsecp256k1 when it loads (UTXOLAB_VERIFIER=noble forces the reference); the node
  // makes its own choice from --verifier.
  const env = process.env.UTXOLAB_VERIFIER;
  await useBackend(env === "noble" || env === "libsecp256k1" ? (env as VerifierChoice) : "auto");
  switch (cmd) {
    case "node":
      return runNode(rest);
    case "rpc":
      return runRpc(rest);
    case "wallet":
      return runWalletCommand(rest, { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env });
    case "devnet":
      return runDevnet(rest);
    case "genesis":
      return runGenesis(rest);
    case "demo":
      return runDemo(rest);
    case "sim":
      return runSim(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return cmd === undefined ? USAGE_EXIT : 0;
    default:
      throw new UsageError(`unknown command "${cmd}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).then(
  // Exit at once: lingering keep-alive sockets must not hold a finished command open.
  (code) => process.exit(code),
  (e) => {
    if (e instanceof HelpRequested) {
      console.log(e.message);
      process.exit(0);
    }
    // a usage error is the person's to fix: its message, no stack; exit 2 (the one rule, in args.ts)
    if (e instanceof UsageError) console.error(`error: ${e.message}`);
    else console.error(`error: ${(e as Error).stack ?? e}`);
    process.exit(exitCodeFor(e));
  },
);
