import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_RPC_URL, isRefusal, RpcClient, RpcError, readCookie, runningNodeUrl } from "@utxolab/client";
import {
  type Amount,
  bytesToHex,
  coinsText,
  DEVNET,
  devnetAccounts,
  encodeAddress,
  encodeTx,
  formatCoins,
  type Hash,
  hexToBytes,
  isHash,
  outpointKey,
  parseCoins,
  type Transaction,
  txid,
  txSize,
} from "@utxolab/core";
import { optionValue, type ParsedArgs, parseArgs } from "./args.js";
import { buildPayment, encodeSigned, encodeUnsigned, parseSigned, parseUnsigned, signPayment, spentOf } from "./build.js";
import { DEFAULT_FEE_RATE, DUST_LIMIT, MAX_STANDARD_TX_SIGS, MAX_STANDARD_TX_SIZE } from "./fees.js";
import { checkMnemonic, newMnemonic } from "./hd.js";
import { type PromptInput, promptHidden, promptLine } from "./prompt.js";
import { SealDamagedError, WrongPassphraseError } from "./seal.js";
import { type Plan, type PlanResult, planWithInputs, type SweepResult, selectCoins, sweep } from "./select.js";
import { balanceOf, type PendingTx, spendableCoins, syncWallet, trustedPendingCoins, type WalletView } from "./sync.js";
import { decodeRecipient, sumValues, UsageError, Wallet } from "./wallet.js";
import { type CoinRecord, lockWallet, WalletFileError, WalletMissingError, writeFileAtomic } from "./walletfile.js";

export interface WalletIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** a terminal to prompt for the passphrase on; without one the passphrase must come from a flag or the environment */
  stdin?: PromptInput;
}

const COMMON_VALUES = ["wallet", "datadir", "rpc", "rpc-token", "passphrase"] as const;
const COMMON_FLAGS = ["json", "help", "insecure-devnet"] as const;
const PAY_VALUES = ["fee-rate", "from", "out"] as const;
const PAY_FLAGS = ["subtract-fee", "dry-run"] as const;

const USAGE = `usage: utxolab wallet COMMAND [options]

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

interface Ctx {
  io: WalletIo;
  args: ParsedArgs;
  datadir: string;
  name: string;
  file: string;
  json: boolean;
  rpc(): Promise<RpcClient>;
}

const coins = coinsText;
const units = (v: bigint) => v.toString();

/**
 * `utxolab wallet <args...>`: runs one wallet command, writing lines through
 * `io`; returns the exit status (0 done, 1 refused or failed, 2 mistyped).
 */
export async function runWalletCommand(args: string[], io: WalletIo): Promise<number> {
  try {
    return await dispatch(args, io);
  } catch (e) {
    io.err(`error: ${describeError(e)}`);
    // --json: stdout still gets its one document, so a script never parses prose or nothing
    if (args.includes("--json")) io.out(JSON.stringify({ error: errorJson(e) }));
    return e instanceof UsageError ? 2 : 1;
  }
}

/** The error as --json prints it: the node's code and reason for a refusal, the kind and message otherwise. */
function errorJson(e: unknown): { kind: string; code?: number; message: string; data?: unknown } {
  if (e instanceof RpcError) return e.toJSON();
  if (e instanceof UsageError) return { kind: "usage", message: e.message };
  return { kind: "failed", message: describeError(e) };
}

export function describeError(e: unknown): string {
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

/** The command is the first word that is neither an option nor an option's value, so options may come first. */
function splitCommand(argv: string[]): { command?: string; rest: string[] } {
  const takesValue = new Set<string>(
    Object.values(COMMANDS)
      .flatMap((c) => c.args.values)
      .concat(COMMON_VALUES),
  );
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h") return { command: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    if (!a.startsWith("--")) return { command: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    if (a === "--help") return { command: a, rest: [] };
    if (!a.includes("=") && takesValue.has(a.slice(2))) i++;
  }
  return { rest: argv };
}

async function dispatch(argv: string[], io: WalletIo): Promise<number> {
  const { command, rest } = splitCommand(argv);
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  const spec = specFor(command);
  if (!spec) throw new UsageError(`unknown wallet command "${command}"; the commands are: ${Object.keys(COMMANDS).join(", ")}`);
  const args = parseArgs(rest, spec.args);
  if (args.flags.has("help")) {
    io.out(USAGE);
    return 0;
  }
  const ctx = makeCtx(io, args);
  return spec.run(ctx);
}

function makeCtx(io: WalletIo, args: ParsedArgs): Ctx {
  const datadir = resolve(optionValue(args, "datadir") ?? io.env.UTXOLAB_DATADIR ?? join(homedir(), ".utxolab", "devnet"));
  const name = optionValue(args, "wallet") ?? "default";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new UsageError(
      `--wallet ${JSON.stringify(name)}: use letters, digits, ".", "_" or "-" (up to 64), starting with a letter or digit`,
    );
  }
  let client: RpcClient | undefined;
  return {
    io,
    args,
    datadir,
    name,
    file: join(datadir, "wallets", `${name}.json`),
    json: args.flags.has("json"),
    async rpc() {
      if (client) return client;
      const url = optionValue(args, "rpc") ?? runningNodeUrl(datadir) ?? DEFAULT_RPC_URL;
      let token = optionValue(args, "rpc-token");
      let tokenHint: string | undefined;
      if (token === undefined) {
        try {
          token = readCookie(datadir);
          tokenHint = `the token came from ${join(datadir, "rpc.cookie")}`;
        } catch (e) {
          tokenHint = e instanceof Error ? e.message : String(e);
        }
      }
      try {
        client = new RpcClient({ url, token, tokenHint });
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      }
      return client;
    },
  };
}

type Command = { args: { values: string[]; flags: string[]; repeatable?: string[] }; run(ctx: Ctx): Promise<number> };

const COMMANDS: Record<string, Command> = {
  create: { args: { values: [], flags: [] }, run: cmdCreate },
  import: { args: { values: ["mnemonic"], flags: [] }, run: cmdImport },
  "import-devnet": { args: { values: [], flags: [] }, run: cmdImportDevnet },
  address: { args: { values: [], flags: [] }, run: cmdAddress },
  addresses: { args: { values: [], flags: [] }, run: cmdAddresses },
  balance: { args: { values: [], flags: [] }, run: cmdBalance },
  utxos: { args: { values: [], flags: [] }, run: cmdUtxos },
  history: { args: { values: [], flags: [] }, run: cmdHistory },
  send: { args: { values: [...PAY_VALUES], flags: [...PAY_FLAGS, "yes"], repeatable: ["from"] }, run: (c) => cmdPay(c, "send") },
  mktx: { args: { values: [...PAY_VALUES], flags: ["subtract-fee"], repeatable: ["from"] }, run: (c) => cmdPay(c, "mktx") },
  sign: { args: { values: ["out"], flags: [] }, run: cmdSign },
  broadcast: { args: { values: [], flags: [] }, run: cmdBroadcast },
};

function specFor(
  command: string,
): { args: { values: string[]; flags: string[]; repeatable?: string[] }; run(ctx: Ctx): Promise<number> } | undefined {
  const c = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!c) return undefined;
  return {
    args: { values: [...COMMON_VALUES, ...c.args.values], flags: [...COMMON_FLAGS, ...c.args.flags], repeatable: c.args.repeatable },
    run: c.run,
  };
}

function expectPositional(ctx: Ctx, n: number, usage: string): string[] {
  const p = ctx.args.positional;
  if (p.length !== n)
    throw new UsageError(`${p.length < n ? "missing arguments" : `unexpected argument ${JSON.stringify(p[n])}`}; usage: ${usage}`);
  return p;
}

function emit(ctx: Ctx, json: unknown, lines: () => string[]): void {
  if (ctx.json) ctx.io.out(JSON.stringify(json, null, 2));
  else for (const l of lines()) ctx.io.out(l);
}

// ---- passphrase ----

async function passphraseFor(ctx: Ctx, purpose: "unlock" | "new", w?: Wallet): Promise<string> {
  const given = givenPassphrase(ctx);
  if (given !== undefined) {
    if (purpose === "new" && given === "") {
      throw new UsageError("the passphrase is empty; choose one, or pass --insecure-devnet to store the secret unencrypted (devnet only)");
    }
    return given;
  }
  // The program's own terminal when the caller gave none: `utxolab wallet send` prompts like any CLI.
  const stdin = ctx.io.stdin ?? (process.stdin as PromptInput);
  if (stdin?.isTTY) {
    if (purpose === "unlock") return promptHidden(`passphrase for wallet "${ctx.name}" (${w?.file ?? ctx.file}):`, stdin, ctx.io.err);
    const a = await promptHidden(`new passphrase for wallet "${ctx.name}":`, stdin, ctx.io.err);
    if (a === "") throw new UsageError("the passphrase is empty; choose one, or pass --insecure-devnet (devnet only)");
    const b = await promptHidden("the same passphrase again:", stdin, ctx.io.err);
    if (a !== b) throw new UsageError("the two passphrases differ; nothing was created, try again");
    return a;
  }
  if (purpose === "new") {
    throw new UsageError(
      "a new wallet's secret is encrypted with a passphrase: pass --passphrase P or set UTXOLAB_WALLET_PASSPHRASE (or --insecure-devnet to store it unencrypted, devnet only)",
    );
  }
  throw new UsageError(`wallet "${ctx.name}" is encrypted: pass --passphrase P or set UTXOLAB_WALLET_PASSPHRASE`);
}

const givenPassphrase = (ctx: Ctx) => optionValue(ctx.args, "passphrase") ?? ctx.io.env.UTXOLAB_WALLET_PASSPHRASE;

/** The wallet's secret; a person typing at the prompt gets three tries. */
async function unlockedPayload(ctx: Ctx, w: Wallet) {
  if (!w.encrypted) return w.secretPayload(null);
  const tries = givenPassphrase(ctx) === undefined ? 3 : 1;
  for (let i = 1; ; i++) {
    try {
      return w.secretPayload(await passphraseFor(ctx, "unlock", w));
    } catch (e) {
      if (!(e instanceof WrongPassphraseError) || i >= tries) throw e;
      ctx.io.err("wrong passphrase; try again");
    }
  }
}

// ---- opening wallets ----

async function withWallet<T>(ctx: Ctx, fn: (w: Wallet) => Promise<T>): Promise<T> {
  const unlock = await lockWallet(ctx.file);
  try {
    const w = await Wallet.load(ctx.file, ctx.name, DEVNET);
    return await fn(w);
  } finally {
    await unlock();
  }
}

async function syncAndSave(ctx: Ctx, w: Wallet): Promise<WalletView> {
  const view = await syncWallet(w, await ctx.rpc());
  if (w.dirty) await w.save();
  return view;
}

async function refuseExisting(ctx: Ctx): Promise<void> {
  if (existsSync(ctx.file)) {
    throw new UsageError(`wallet "${ctx.name}" already exists at ${ctx.file}; choose another name with --wallet NAME`);
  }
}

/** Where a new wallet starts scanning: the node's tip when it answers (nothing can pay fresh keys before), else genesis. */
async function startAtTip(ctx: Ctx, w: Wallet): Promise<string> {
  try {
    const rpc = await ctx.rpc();
    const info = await rpc.call<{ height: number; bestBlockHash: Hash; genesisHash: Hash }>("getblockchaininfo");
    if (info.genesisHash === w.data.genesisHash && isHash(info.bestBlockHash) && Number.isSafeInteger(info.height)) {
      w.startAt(info.height, info.bestBlockHash);
      return `it starts watching the chain at height ${info.height}`;
    }
  } catch {
    // No node now: the first sync scans from genesis instead.
  }
  return "the node did not answer, so the first sync scans from genesis";
}

async function createWallet(ctx: Ctx, mnemonic: string, imported: Uint8Array[], fresh: boolean) {
  const insecure = ctx.args.flags.has("insecure-devnet");
  const passphrase = insecure ? null : await passphraseFor(ctx, "new");
  const unlock = await lockWallet(ctx.file);
  try {
    await refuseExisting(ctx);
    const w = Wallet.create(ctx.file, { mnemonic, passphrase, imported, params: DEVNET });
    const note = fresh ? await startAtTip(ctx, w) : "the first sync scans the chain from genesis";
    const first = w.newReceiveAddress();
    await w.save();
    return { w, first, note, insecure };
  } finally {
    await unlock();
  }
}

// ---- commands ----

async function cmdCreate(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, "utxolab wallet create [--wallet NAME]");
  await refuseExisting(ctx);
  const mnemonic = newMnemonic();
  const { first, note, insecure } = await createWallet(ctx, mnemonic, [], true);
  emit(ctx, { wallet: ctx.name, file: ctx.file, encrypted: !insecure, mnemonic, address: first.address }, () => [
    `created wallet "${ctx.name}" at ${ctx.file} (${insecure ? "UNENCRYPTED: devnet only" : "encrypted"}); ${note}`,
    "recovery phrase (write it down now; it is shown only this once and restores the wallet):",
    `  ${mnemonic}`,
    `first receiving address: ${first.address}`,
  ]);
  return 0;
}

async function cmdImport(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, 'utxolab wallet import --mnemonic "WORDS" [--wallet NAME]');
  const given = optionValue(ctx.args, "mnemonic");
  if (given === undefined) throw new UsageError('give the recovery phrase: utxolab wallet import --mnemonic "word1 word2 ..."');
  const m = checkMnemonic(given);
  if (!m.ok) throw new UsageError(`--mnemonic: ${m.error}`);
  await refuseExisting(ctx);
  const { first, note, insecure } = await createWallet(ctx, m.mnemonic, [], false);
  emit(ctx, { wallet: ctx.name, file: ctx.file, encrypted: !insecure, address: first.address }, () => [
    `imported wallet "${ctx.name}" at ${ctx.file} (${insecure ? "UNENCRYPTED: devnet only" : "encrypted"}); ${note}`,
    `first receiving address: ${first.address}`,
  ]);
  return 0;
}

async function cmdImportDevnet(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, "utxolab wallet import-devnet [--wallet NAME]");
  const accounts = devnetAccounts();
  const listing = () => accounts.map((a) => `  account ${a.index}: ${encodeAddress(a.pubkey, DEVNET.hrp)}`);
  if (existsSync(ctx.file)) {
    const added = await withWallet(ctx, async (w) => {
      const pass = w.encrypted ? await passphraseFor(ctx, "unlock", w) : null;
      const payload = w.secretPayload(pass);
      const have = new Set(payload.imported);
      const fresh = accounts.map((a) => bytesToHex(a.sk)).filter((k) => !have.has(k));
      const n = w.addImported(accounts.map((a) => a.sk));
      if (fresh.length > 0) w.resealSecret({ ...payload, imported: [...payload.imported, ...fresh] }, pass);
      // Coins paying the new keys may be anywhere in the chain.
      if (n > 0) w.resetSync(0);
      if (w.dirty) await w.save();
      return n;
    });
    emit(ctx, { wallet: ctx.name, file: ctx.file, added }, () => [
      added > 0
        ? `added the ${added} devnet accounts to wallet "${ctx.name}"; the next sync rescans the chain from genesis:`
        : `wallet "${ctx.name}" already holds the devnet accounts:`,
      ...listing(),
    ]);
    return 0;
  }
  const mnemonic = newMnemonic();
  const { insecure } = await createWallet(
    ctx,
    mnemonic,
    accounts.map((a) => a.sk),
    false,
  );
  emit(
    ctx,
    {
      wallet: ctx.name,
      file: ctx.file,
      encrypted: !insecure,
      mnemonic,
      accounts: accounts.map((a) => encodeAddress(a.pubkey, DEVNET.hrp)),
    },
    () => [
      `created wallet "${ctx.name}" at ${ctx.file} (${insecure ? "UNENCRYPTED: devnet only" : "encrypted"}) with the ten public devnet accounts:`,
      ...listing(),
      "change and new addresses come from a new recovery phrase (shown only this once):",
      `  ${mnemonic}`,
    ],
  );
  return 0;
}

async function cmdAddress(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, "utxolab wallet address [--wallet NAME]");
  const a = await withWallet(ctx, async (w) => {
    const got = w.newReceiveAddress();
    await w.save();
    return got;
  });
  emit(ctx, { address: a.address, path: `m/86'/1'/0'/0/${a.index}` }, () => [a.address]);
  return 0;
}

async function cmdAddresses(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, "utxolab wallet addresses [--wallet NAME]");
  const w = await Wallet.load(ctx.file, ctx.name, DEVNET);
  const perKey = new Map<string, bigint>();
  for (const c of w.coins.values()) perKey.set(c.pubkey, (perKey.get(c.pubkey) ?? 0n) + c.value);
  const rows = w.listedKeys().map((k) => ({
    address: w.address(k.pubkey),
    path: k.chain === null ? (k.label ?? "imported") : `m/86'/1'/0'/${k.chain}/${k.index}`,
    confirmed: perKey.get(k.pubkey) ?? 0n,
  }));
  emit(ctx, { height: w.syncHeight, addresses: rows.map((r) => ({ ...r, confirmed: units(r.confirmed) })) }, () => [
    ...rows.map((r) => `${r.address}  ${r.path.padEnd(22)}  ${formatCoins(r.confirmed)}`),
    `(confirmed amounts as of the last sync, height ${w.syncHeight}; change addresses are not listed)`,
  ]);
  return 0;
}

async function cmdBalance(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, "utxolab wallet balance [--wallet NAME]");
  const { b, view } = await withWallet(ctx, async (w) => {
    const view = await syncAndSave(ctx, w);
    return { b: balanceOf(w, view), view };
  });
  emit(
    ctx,
    {
      height: view.tipHeight,
      spendable: units(b.spendable),
      immature: units(b.immature),
      pendingIn: units(b.pendingIn),
      pendingOut: units(b.pendingOut),
      trustedPending: units(b.trustedPending),
      coins: b.coins,
    },
    () => [
      `wallet "${ctx.name}" at height ${view.tipHeight}`,
      `  spendable    ${coins(b.spendable)}`,
      `  immature     ${coins(b.immature)}${b.immature > 0n ? ` (coinbase rewards spendable after ${DEVNET.coinbaseMaturity} blocks)` : ""}`,
      `  pending in   ${coins(b.pendingIn)}${b.pendingIn > 0n ? " (waiting for a block)" : ""}${b.trustedPending > 0n ? `, of which ${coins(b.trustedPending)} is your own change: spendable now` : ""}`,
      `  pending out  ${coins(b.pendingOut)}${b.pendingOut > 0n ? " (being spent by waiting transactions)" : ""}`,
    ],
  );
  return 0;
}

async function cmdUtxos(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, "utxolab wallet utxos [--wallet NAME]");
  const rows = await withWallet(ctx, async (w) => {
    const view = await syncAndSave(ctx, w);
    const list = [...w.coins.entries()]
      .map(([k, c]) => ({
        txid: c.txid,
        vout: c.vout,
        value: c.value as bigint,
        address: w.address(c.pubkey),
        confirmations: view.tipHeight - c.height + 1,
        status: view.spentByPending.has(k)
          ? `spending in ${view.spentByPending.get(k)}`
          : w.isMature(c, view.tipHeight)
            ? "spendable"
            : `immature: spendable once the tip reaches height ${c.height + DEVNET.coinbaseMaturity - 1}`,
      }))
      .sort((a, b) => b.confirmations - a.confirmations || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));
    for (const p of view.pending) {
      for (const r of p.receives) {
        if (view.spentByPending.has(outpointKey(p.txid, r.vout))) continue;
        list.push({ txid: p.txid, vout: r.vout, value: r.value, address: w.address(r.pubkey), confirmations: 0, status: "pending" });
      }
    }
    return list;
  });
  emit(ctx, { utxos: rows.map((r) => ({ ...r, value: units(r.value) })) }, () =>
    rows.length === 0
      ? ["no unspent outputs"]
      : rows.map(
          (r) =>
            `${r.txid}:${r.vout}  ${formatCoins(r.value).padStart(16)}  ${String(r.confirmations).padStart(6)} conf  ${r.address}  ${r.status}`,
        ),
  );
  return 0;
}

interface HistoryRow {
  txid: Hash;
  status: "confirmed" | "pending" | "dropped";
  confirmations: number;
  height?: number;
  time?: number;
  kind: "received" | "sent" | "mined" | "self";
  /** what left the wallet to others (sent) or came in (received, mined) */
  amount: bigint;
  fee?: bigint;
  counterparties: string[];
}

function historyRow(
  w: Wallet,
  id: Hash,
  spent: readonly { value: Amount }[],
  inputCount: number,
  outputs: readonly { value: Amount; pubkey: string; mine: boolean }[],
  coinbase: boolean,
): Omit<HistoryRow, "status" | "confirmations"> {
  const mine = outputs.filter((o) => o.mine);
  const others = outputs.filter((o) => !o.mine);
  const spentSum = sumValues(spent);
  const fee = !coinbase && spent.length === inputCount ? spentSum - sumValues(outputs) : undefined;
  if (spent.length === 0) {
    return {
      txid: id,
      kind: coinbase ? "mined" : "received",
      amount: sumValues(mine),
      counterparties: mine.map((o) => w.address(o.pubkey)),
    };
  }
  return {
    txid: id,
    kind: others.length === 0 ? "self" : "sent",
    amount: sumValues(others),
    fee,
    counterparties: others.map((o) => w.address(o.pubkey)),
  };
}

function pendingOutputs(w: Wallet, p: PendingTx) {
  return p.tx.outputs.map((o) => {
    const pk = bytesToHex(o.pubkey);
    return { value: o.value, pubkey: pk, mine: w.isMine(pk) };
  });
}

async function cmdHistory(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, "utxolab wallet history [--wallet NAME]");
  const rows = await withWallet(ctx, async (w) => {
    const view = await syncAndSave(ctx, w);
    const out: HistoryRow[] = [];
    for (const r of view.dropped) {
      const d = parseSigned(r.hex, "a sent transaction");
      // A dropped transaction's coins are all still the wallet's (see readMempool).
      const known = d.inputs.map((i) => w.coins.get(outpointKey(i.prevTxid, i.vout))).filter((c): c is CoinRecord => c !== undefined);
      const outputs = d.outputs.map((o) => ({ value: o.value, pubkey: bytesToHex(o.pubkey), mine: w.isMine(bytesToHex(o.pubkey)) }));
      out.push({ ...historyRow(w, r.txid, known, d.inputs.length, outputs, false), status: "dropped", confirmations: 0, time: r.time });
    }
    for (const p of view.pending) {
      out.push({
        ...historyRow(w, p.txid, p.spends, p.tx.inputs.length, pendingOutputs(w, p), false),
        status: "pending",
        confirmations: 0,
      });
    }
    for (let i = w.history.length - 1; i >= 0; i--) {
      const t = w.history[i];
      out.push({
        ...historyRow(w, t.txid, t.spent, t.inputCount, t.outputs, t.coinbase),
        status: "confirmed",
        confirmations: view.tipHeight - t.height + 1,
        height: t.height,
        time: t.time,
      });
    }
    return out;
  });
  emit(
    ctx,
    {
      history: rows.map((r) => ({ ...r, amount: units(r.amount), fee: r.fee === undefined ? undefined : units(r.fee) })),
    },
    () =>
      rows.length === 0
        ? ["no transactions yet"]
        : rows.map((r) => {
            const when = r.status === "confirmed" ? `${String(r.confirmations).padStart(6)} conf` : r.status.padStart(11);
            const sign = r.kind === "sent" ? "-" : r.kind === "self" ? " " : "+";
            const fee = r.fee !== undefined ? `  fee ${formatCoins(r.fee)}` : "";
            const shown =
              r.counterparties.slice(0, 2).join(", ") + (r.counterparties.length > 2 ? ` and ${r.counterparties.length - 2} more` : "");
            const who = r.counterparties.length > 0 ? `  ${r.kind === "sent" ? "to" : "at"} ${shown}` : "";
            const hint = r.status === "dropped" ? "  (not in the node's pool: rebroadcast with `utxolab wallet broadcast TXID`)" : "";
            return `${when}  ${r.kind.padEnd(8)} ${sign}${formatCoins(r.amount).padEnd(16)} ${r.txid}${fee}${who}${hint}`;
          }),
  );
  return 0;
}

// ---- paying ----

function parseFeeRate(ctx: Ctx): bigint {
  const v = optionValue(ctx.args, "fee-rate");
  if (v === undefined) return DEFAULT_FEE_RATE;
  if (!/^[0-9]+$/.test(v) || v.length > 12) {
    throw new UsageError(`--fee-rate ${JSON.stringify(v)} is not a whole number of units per byte (e.g. --fee-rate 2)`);
  }
  return BigInt(v);
}

function parseFrom(ctx: Ctx): { txid: Hash; vout: number }[] | undefined {
  const list = ctx.args.values.get("from");
  if (!list) return undefined;
  const seen = new Set<string>();
  return list.map((s) => {
    const m = /^([0-9a-f]{64}):([0-9]{1,10})$/.exec(s);
    if (!m || Number(m[2]) > 0xffffffff)
      throw new UsageError(`--from ${JSON.stringify(s)} is not TXID:VOUT (64 hex digits, a colon, an output number)`);
    if (seen.has(s)) throw new UsageError(`--from ${s} is given twice`);
    seen.add(s);
    return { txid: m[1] as Hash, vout: Number(m[2]) };
  });
}

function fromCoins(w: Wallet, view: WalletView, from: { txid: Hash; vout: number }[]): CoinRecord[] {
  return from.map((o) => {
    const k = outpointKey(o.txid, o.vout);
    const c = w.coins.get(k);
    if (!c) {
      throw new Error(`--from ${k} is not a confirmed unspent output of this wallet (see \`utxolab wallet utxos\`)`);
    }
    const by = view.spentByPending.get(k);
    if (by) throw new Error(`--from ${k} is already being spent by waiting transaction ${by}`);
    if (!w.isMature(c, view.tipHeight)) {
      throw new Error(
        `--from ${k} is a coinbase reward from height ${c.height}, spendable from height ${c.height + DEVNET.coinbaseMaturity} (the next block is ${view.tipHeight + 1})`,
      );
    }
    return c;
  });
}

function insufficientMessage(
  ctx: Ctx,
  b: ReturnType<typeof balanceOf>,
  r: { available: bigint; required: bigint; fee: bigint },
  amount: bigint | "max",
  rate: bigint,
  subtract: boolean,
  fromGiven: boolean,
): string {
  const need =
    amount === "max"
      ? `sending everything needs more than the fee of ${coins(r.fee)} plus the ${DUST_LIMIT}-unit dust limit`
      : subtract
        ? `sending ${coins(amount)} with the fee taken from it needs ${coins(r.required)}`
        : `sending ${coins(amount)} needs ${coins(r.required)} (amount ${formatCoins(amount)} + fee ${formatCoins(r.fee)} at ${rate} unit/byte)`;
  const have = fromGiven
    ? `the --from outputs hold ${coins(r.available)}`
    : `only ${coins(b.spendable + b.trustedPending)} are spendable${b.trustedPending > 0n ? ` (${coins(b.trustedPending)} of it your unconfirmed change)` : ""}`;
  const parts = [`insufficient funds in wallet "${ctx.name}": ${need}, but ${have}`];
  if (!fromGiven) {
    parts.push(`immature ${coins(b.immature)} (coinbase rewards need ${DEVNET.coinbaseMaturity} blocks)`);
    parts.push(`pending in ${coins(b.pendingIn)} and pending out ${coins(b.pendingOut)} (wait for the next block)`);
  }
  return `${parts.join("; ")}. Send less, or wait for pending and immature coins.`;
}

async function cmdPay(ctx: Ctx, mode: "send" | "mktx"): Promise<number> {
  const usage = `utxolab wallet ${mode} ADDRESS AMOUNT|max [--fee-rate N] [--subtract-fee] [--from TXID:VOUT ...]${mode === "send" ? " [--dry-run]" : " [--out FILE]"}`;
  const [addrArg, amountArg] = expectPositional(ctx, 2, usage);
  const payeeKey = decodeRecipient(addrArg, DEVNET);
  let amount: Amount | "max";
  if (amountArg === "max") amount = "max";
  else {
    const a = parseCoins(amountArg, "AMOUNT");
    if (!a.ok) throw new UsageError(a.error);
    if (a.value === 0n) throw new UsageError("AMOUNT is 0; give an amount in coins, e.g. 1.5, or max");
    if (a.value < DUST_LIMIT) {
      throw new UsageError(
        `AMOUNT ${amountArg} is ${a.value} units, below the ${DUST_LIMIT}-unit dust limit the pool refuses; send at least ${formatCoins(DUST_LIMIT)}`,
      );
    }
    amount = a.value;
  }
  const rate = parseFeeRate(ctx);
  const subtract = ctx.args.flags.has("subtract-fee");
  if (subtract && amount === "max")
    throw new UsageError("--subtract-fee with max: the fee already comes out of everything sent; drop one of them");
  const from = parseFrom(ctx);
  const dryRun = ctx.args.flags.has("dry-run");
  if (ctx.args.values.has("out") && mode === "send") throw new UsageError("--out is for mktx and sign; send broadcasts directly");

  return withWallet(ctx, async (w) => {
    const rpc = await ctx.rpc();
    const view = await syncWallet(w, rpc);
    const b = balanceOf(w, view);
    const candidates = from ? fromCoins(w, view, from) : spendableCoins(w, view);
    // As Core: confirmed coins first; the wallet's own unconfirmed change when they are not enough.
    const withChange = from ? candidates : [...candidates, ...trustedPendingCoins(w, view)];
    let plan: PlanResult<CoinRecord> | SweepResult<CoinRecord>;
    if (amount === "max") plan = sweep(withChange, rate, DUST_LIMIT, from !== undefined);
    else {
      const req = { amount, feeRate: rate, subtractFee: subtract, dust: DUST_LIMIT };
      plan = from ? planWithInputs(candidates, req) : selectCoins(candidates, req);
      if (!plan.ok && plan.kind === "insufficient" && withChange.length > candidates.length) plan = selectCoins(withChange, req);
    }
    if (!plan.ok) {
      if (plan.kind === "too-large") {
        throw new Error(
          `this payment needs ${plan.needed} inputs, but a transaction the pool accepts holds at most ${plan.maxInputs} (${MAX_STANDARD_TX_SIZE} bytes, ${MAX_STANDARD_TX_SIGS} signatures): send less, or first combine coins with \`send <your address> max\``,
        );
      }
      if (plan.kind === "payee-dust") {
        throw new Error(
          `after the fee of ${coins(plan.fee)} the payee would get ${plan.payee} units, below the ${plan.dust}-unit dust limit the pool refuses; send more`,
        );
      }
      throw new Error(insufficientMessage(ctx, b, plan, amount, rate, subtract, from !== undefined));
    }
    const changeKey = plan.change > 0n ? w.peekChangeKey() : undefined;
    const unsigned = buildPayment(plan, payeeKey, changeKey ? hexToBytes(changeKey.pubkey) : undefined);
    const summary = paySummary(w, plan, addrArg, changeKey?.pubkey, rate);
    if ("leftOut" in plan && plan.leftOut > 0) {
      summary.lines.push(
        `  note        ${plan.leftOut} smaller coins are left out: one transaction holds at most ${plan.inputs.length} inputs; run max again after this one confirms`,
      );
    }

    if (mode === "mktx") {
      const text = encodeUnsigned({
        network: DEVNET.name,
        tx: unsigned,
        spent: plan.inputs.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, pubkey: c.pubkey })),
      });
      const out = optionValue(ctx.args, "out");
      if (changeKey) w.commitChange(changeKey);
      if (out) await writeFileAtomic(resolve(out), text);
      if (w.dirty) await w.save();
      if (out) {
        emit(ctx, { file: resolve(out), ...summary.json }, () => [
          ...summary.lines,
          `unsigned transaction written to ${resolve(out)}; sign it with \`utxolab wallet sign ${out}\``,
        ]);
      } else {
        for (const l of summary.lines) ctx.io.err(l);
        ctx.io.out(text.trimEnd());
      }
      return 0;
    }

    // `max`, or an amount that takes the coins whole (no change back): either can empty shared accounts
    if ((amount === "max" || plan.change === 0n) && !dryRun) await confirmPublicSweep(ctx, plan.inputs, plan.payee, addrArg);
    const payload = await unlockedPayload(ctx, w);
    const keys = w.signingKeys(
      payload,
      plan.inputs.map((c) => c.pubkey),
    );
    const signed = signPayment(unsigned, spentOf(plan.inputs), keys);
    const hex = bytesToHex(encodeTx(signed));
    const id = txid(signed);
    if (txSize(signed) !== plan.size) throw new Error(`internal: signed size ${txSize(signed)} differs from the planned ${plan.size}`);

    if (dryRun) {
      const res = await rpc.call<{ txid: string; allowed: boolean; reason?: string; detail?: string; fee?: string }[]>(
        "testmempoolaccept",
        [[hex]],
      );
      const r = Array.isArray(res) ? res[0] : undefined;
      if (!r || typeof r.allowed !== "boolean") throw new Error(`the node answered testmempoolaccept with ${JSON.stringify(res)}`);
      emit(ctx, { dryRun: true, txid: id, hex, allowed: r.allowed, reason: r.reason, detail: r.detail, ...summary.json }, () => [
        `dry run (nothing sent, wallet unchanged): transaction ${id}`,
        ...summary.lines,
        r.allowed
          ? "the node would accept it"
          : `the node would refuse it: ${r.reason ?? "(no reason given)"}${r.detail ? `: ${r.detail}` : ""}`,
      ]);
      return r.allowed ? 0 : 1;
    }

    let accepted: unknown;
    try {
      accepted = await rpc.call<unknown>("sendrawtransaction", [hex]);
    } catch (e) {
      if (isRefusal(e)) throw new Error(`the node refused the transaction: ${e.display} (nothing was sent; the wallet is unchanged)`);
      throw e;
    }
    if (accepted !== id) ctx.io.err(`warning: the node answered txid ${JSON.stringify(accepted)}, expected ${id}`);
    if (changeKey) w.commitChange(changeKey);
    w.recordSent(id, hex);
    await w.save();
    emit(ctx, { txid: id, ...summary.json }, () => [`sent: transaction ${id}`, ...summary.lines]);
    return 0;
  });
}

/**
 * A payment that takes coins of the public devnet keys whole (`max`, or an amount that leaves no
 * change) can empty accounts the whole room shares: a person types "yes" first, or passes --yes.
 * Without a terminal to ask, it is refused and nothing is signed.
 */
async function confirmPublicSweep(ctx: Ctx, inputs: readonly CoinRecord[], payee: bigint, to: string): Promise<void> {
  const publicKeys = new Map(devnetAccounts().map((a) => [bytesToHex(a.pubkey), a.index]));
  const shared = new Set(inputs.flatMap((c) => (publicKeys.has(c.pubkey) ? [publicKeys.get(c.pubkey) as number] : [])));
  if (shared.size === 0 || ctx.args.flags.has("yes")) return;
  const list = [...shared].sort((a, b) => a - b).join(", ");
  const what = `this spends ${inputs.length} unspent output${inputs.length === 1 ? "" : "s"} whole, with no change back (${coins(payee)} after the fee to ${to}), from public devnet account${shared.size === 1 ? "" : "s"} ${list}: their keys are public, so on a shared network they belong to the whole room`;
  const stdin = ctx.io.stdin ?? (process.stdin as PromptInput);
  if (!stdin?.isTTY) throw new UsageError(`${what}. Nothing was sent; add --yes to send it anyway`);
  const answer = await promptLine(`${what}. Type yes to send:`, stdin, ctx.io.err);
  if (answer.trim().toLowerCase() !== "yes") throw new UsageError("not sent: the answer was not yes (nothing was signed)");
}

function paySummary(w: Wallet, plan: Plan<CoinRecord>, payee: string, changePubkey: string | undefined, rate: bigint) {
  const lines = [
    `  pay         ${coins(plan.payee)} to ${payee}`,
    `  fee         ${coins(plan.fee)} (${plan.size} bytes at ${rate} unit/byte${plan.fee > BigInt(plan.size) * rate ? `, plus ${plan.fee - BigInt(plan.size) * rate} units that would have been dust change` : ""})`,
    plan.change > 0n && changePubkey ? `  change      ${coins(plan.change)} to ${w.address(changePubkey)}` : "  change      none",
    `  inputs      ${plan.inputs.length} (${coins(sumValues(plan.inputs))})`,
  ];
  return {
    lines,
    json: {
      payee,
      amount: units(plan.payee),
      fee: units(plan.fee),
      size: plan.size,
      change: units(plan.change),
      changeAddress: changePubkey && plan.change > 0n ? w.address(changePubkey) : undefined,
      inputs: plan.inputs.map((c) => `${c.txid}:${c.vout}`),
    },
  };
}

async function readArgFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(path), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path} (${code === "ENOENT" ? "no such file" : (code ?? String(e))})`);
  }
}

async function cmdSign(ctx: Ctx): Promise<number> {
  const [path] = expectPositional(ctx, 1, "utxolab wallet sign FILE [--out FILE]");
  const u = parseUnsigned(await readArgFile(path, "unsigned transaction"), path);
  if (u.network !== DEVNET.name) throw new Error(`${path} is for network "${u.network}", this wallet is for ${DEVNET.name}`);
  const w = await Wallet.load(ctx.file, ctx.name, DEVNET);
  const foreign = u.spent.filter((s) => !w.isMine(s.pubkey));
  if (foreign.length > 0) {
    throw new Error(
      `wallet "${ctx.name}" holds no key for ${foreign.map((s) => `${s.txid}:${s.vout} (${w.address(s.pubkey)})`).join(", ")}: sign with the wallet that made the file`,
    );
  }
  const inSum = sumValues(u.spent);
  const outSum = sumValues(u.tx.outputs);
  if (inSum < outSum) throw new Error(`${path} pays out ${coins(outSum)} but spends only ${coins(inSum)}; refusing to sign`);
  const fee = inSum - outSum;
  const size = txSize({ ...u.tx, inputs: u.tx.inputs.map((i) => ({ ...i, witness: new Uint8Array(64) })) });
  const lines = [
    ...u.tx.outputs.map((o) => {
      const pk = bytesToHex(o.pubkey);
      return `  ${(w.isMine(pk) ? "change" : "pay").padEnd(11)} ${coins(o.value)} to ${w.address(pk)}`;
    }),
    `  fee         ${coins(fee)} (${size} bytes, ${(Number(fee) / size).toFixed(2)} units/byte)`,
  ];
  // What is signed is shown before the passphrase is asked for.
  if (!ctx.json) for (const l of [`signing ${path}:`, ...lines]) ctx.io.err(l);
  const payload = await unlockedPayload(ctx, w);
  const keys = w.signingKeys(
    payload,
    u.spent.map((s) => s.pubkey),
  );
  const signed = signPayment(u.tx, spentOf(u.spent), keys);
  const id = txid(signed);
  const out = optionValue(ctx.args, "out");
  if (out) {
    await writeFileAtomic(resolve(out), encodeSigned(signed));
    emit(ctx, { txid: id, file: resolve(out), fee: units(fee) }, () => [
      `signed transaction ${id} written to ${resolve(out)}; send it with \`utxolab wallet broadcast ${out}\``,
    ]);
  } else {
    ctx.io.out(ctx.json ? JSON.stringify({ txid: id, hex: bytesToHex(encodeTx(signed)), fee: units(fee) }) : bytesToHex(encodeTx(signed)));
  }
  return 0;
}

async function cmdBroadcast(ctx: Ctx): Promise<number> {
  const [arg] = expectPositional(ctx, 1, "utxolab wallet broadcast FILE|HEX|TXID");
  let tx: Transaction;
  let fromSent = false;
  if (isHash(arg) && existsSync(ctx.file)) {
    const w = await Wallet.load(ctx.file, ctx.name, DEVNET);
    const s = w.data.sent.find((r) => r.txid === arg);
    if (!s) throw new UsageError(`wallet "${ctx.name}" has no unconfirmed transaction ${arg} to rebroadcast`);
    tx = parseSigned(s.hex, `transaction ${arg}`);
    fromSent = true;
  } else if (/^[0-9a-f]+$/.test(arg) && arg.length > 64) {
    tx = parseSigned(arg, "the hex argument");
  } else {
    tx = parseSigned(await readArgFile(arg, "signed transaction"), arg);
  }
  const hex = bytesToHex(encodeTx(tx));
  const rpc = await ctx.rpc();
  try {
    await rpc.call<unknown>("sendrawtransaction", [hex]);
  } catch (e) {
    if (isRefusal(e)) throw new Error(`the node refused the transaction: ${e.display}`);
    throw e;
  }
  const id = txid(tx);
  // A wallet that owns inputs remembers the transaction, so history shows it until it confirms.
  if (!fromSent && existsSync(ctx.file)) {
    await withWallet(ctx, async (w) => {
      const ours = tx.inputs.some((i) => w.coins.has(outpointKey(i.prevTxid, i.vout)));
      if (ours) {
        w.recordSent(id, hex);
        await w.save();
      }
    });
  }
  emit(ctx, { txid: id }, () => [`broadcast: transaction ${id}`]);
  return 0;
}
