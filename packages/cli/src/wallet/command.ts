import { DEFAULT_RPC_URL, isRefusal, RpcError } from "@utxolab/client";
import { SealDamagedError, WalletFileError, WalletMissingError, WrongPassphraseError } from "@utxolab/wallet";
import { exitCodeFor, firstArgument, flags, lists, type Options, parseOptions, strings, USAGE_EXIT, UsageError } from "../args.js";
import { cmdAddress, cmdAddresses, cmdCreate, cmdImport, cmdImportDevnet } from "./accounts.js";
import { COMMON_OPTIONS, type Ctx, makeCtx, type WalletIo, type WalletOptions } from "./context.js";
import { cmdPay } from "./pay.js";
import { cmdBalance, cmdHistory, cmdUtxos } from "./report.js";
import { cmdBroadcast, cmdSign } from "./sign.js";

export type { WalletIo } from "./context.js";

export const WALLET_USAGE = `usage: utxolab wallet COMMAND [options]

commands:
  create                        a new wallet; prints its recovery phrase once
  import --mnemonic "WORDS"     a wallet restored from a recovery phrase (scans from genesis)
  import-devnet                 the ten public devnet accounts (a new wallet, or added to --wallet)
  address                       a new receiving address
  addresses                     the addresses handed out, with their confirmed amounts
  balance                       spendable, immature and pending amounts
  utxos                         unspent outputs with their confirmations
  history                       payments in and out, with fees and confirmations
  send ADDRESS AMOUNT|max       pay ADDRESS (AMOUNT in coins, e.g. 1.5); max from the public devnet keys asks first (--yes)
       [--fee-rate UNITS_PER_BYTE] [--subtract-fee] [--from TXID:VOUT ...] [--dry-run]
  mktx ADDRESS AMOUNT|max       like send, but writes an unsigned transaction (--out FILE) to sign offline
  sign FILE [--out FILE]        signs an unsigned transaction without a node
  broadcast FILE|HEX|TXID       sends a signed transaction (or rebroadcasts one this wallet sent)

options:
  --wallet NAME        default "default"; the file is <datadir>/wallets/NAME.json
  --datadir DIR        default ~/.utxolab/devnet (or $UTXOLAB_DATADIR)
  --rpc URL            the node, default ${DEFAULT_RPC_URL}
  --rpc-token T        default: the token in <datadir>/rpc.cookie
  --passphrase P       or $UTXOLAB_WALLET_PASSPHRASE, or typed at the prompt
  --insecure-devnet    store a new wallet's secret unencrypted (devnet only)
  --json               machine-readable output (amounts are strings of units)`;

const PAY_OPTIONS = { ...strings("fee-rate", "out"), ...lists("from"), ...flags("subtract-fee") };

interface Command {
  /** the options it takes besides COMMON_OPTIONS */
  readonly options: Options;
  run(ctx: Ctx): Promise<number>;
}

/** Every wallet command: the options it takes and the function (in a file per group) that runs it. */
const COMMANDS: Readonly<Record<string, Command>> = {
  create: { options: {}, run: cmdCreate },
  import: { options: strings("mnemonic"), run: cmdImport },
  "import-devnet": { options: {}, run: cmdImportDevnet },
  address: { options: {}, run: cmdAddress },
  addresses: { options: {}, run: cmdAddresses },
  balance: { options: {}, run: cmdBalance },
  utxos: { options: {}, run: cmdUtxos },
  history: { options: {}, run: cmdHistory },
  send: {
    options: { ...PAY_OPTIONS, ...flags("dry-run", "yes") },
    run: (c) => cmdPay(c, "send"),
  },
  mktx: { options: PAY_OPTIONS, run: (c) => cmdPay(c, "mktx") },
  sign: { options: strings("out"), run: cmdSign },
  broadcast: { options: {}, run: cmdBroadcast },
};

/** Every option of every command: which ones take a value, to find the command word among them. */
const ALL_OPTIONS: Options = Object.assign({}, COMMON_OPTIONS, ...Object.values(COMMANDS).map((c) => c.options));

/**
 * `utxolab wallet <args...>`: runs one wallet command, writing lines through `io`; returns the
 * exit status (0 done, 1 refused or failed, 2 mistyped: `exitCodeFor`).
 */
export async function runWalletCommand(args: string[], io: WalletIo): Promise<number> {
  try {
    return await dispatch(args, io);
  } catch (e) {
    io.err(`error: ${describeError(e)}`);
    // --json: stdout still gets its one document, so a script never parses prose or nothing
    if (args.includes("--json")) io.out(JSON.stringify({ error: errorJson(e) }));
    return exitCodeFor(e);
  }
}

/** The error as --json prints it: the node's code and reason for a refusal, the kind and message otherwise. */
function errorJson(e: unknown): { kind: string; code?: number; message: string; data?: unknown } {
  if (e instanceof RpcError) return e.toJSON();
  if (e instanceof UsageError) return { kind: "usage", message: e.message };
  return { kind: "failed", message: describeError(e) };
}

function describeError(e: unknown): string {
  if (isRefusal(e)) return `the node refused: ${e.display}`;
  if (
    e instanceof UsageError ||
    e instanceof RpcError ||
    e instanceof WrongPassphraseError ||
    e instanceof SealDamagedError ||
    e instanceof WalletFileError ||
    e instanceof WalletMissingError
  ) {
    return e.message;
  }
  if (e instanceof Error) return e.message || String(e);
  return String(e);
}

async function dispatch(argv: string[], io: WalletIo): Promise<number> {
  // The command is the first word that is neither an option nor an option's value, so options may come first.
  const { word: command, rest } = firstArgument(argv, ALL_OPTIONS);
  if (command === undefined || command === "help") {
    io.out(WALLET_USAGE);
    return command === undefined && !rest.includes("--help") && !rest.includes("-h") ? USAGE_EXIT : 0;
  }
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!spec) throw new UsageError(`unknown wallet command "${command}"; the commands are: ${Object.keys(COMMANDS).join(", ")}`);
  const { values, positionals } = parseOptions(`utxolab wallet ${command} [options] (utxolab wallet help)`, {
    args: rest,
    options: { ...COMMON_OPTIONS, ...spec.options },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(WALLET_USAGE);
    return 0;
  }
  return spec.run(makeCtx(io, values as WalletOptions, positionals));
}
