import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_RPC_URL, RpcClient, readCookie, runningNodeUrl } from "@utxolab/client";
import { DEVNET, decodeAddress } from "@utxolab/core";
import { flags, HELP_OPTION, type lists, type OptionValues, strings, UsageError } from "../args.js";
import type { PromptInput } from "./prompt.js";

export interface WalletIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** a terminal to prompt for the passphrase on; without one the passphrase must come from a flag or the environment */
  stdin?: PromptInput;
}

/** The options every wallet command takes. */
export const COMMON_OPTIONS = {
  ...strings("wallet", "datadir", "rpc", "rpc-token", "passphrase"),
  ...flags("json", "insecure-devnet"),
  ...HELP_OPTION,
};

/** The options of any one command, as its code reads them (the parser has refused the ones it does not take). */
export type WalletOptions = OptionValues<
  typeof COMMON_OPTIONS &
    ReturnType<typeof strings<"mnemonic" | "fee-rate" | "out">> &
    ReturnType<typeof flags<"subtract-fee" | "dry-run" | "yes">> &
    ReturnType<typeof lists<"from">>
>;

/** What a wallet command works with: its options and arguments, where the wallet lives, and the node. */
export interface Ctx {
  io: WalletIo;
  opts: WalletOptions;
  positionals: string[];
  datadir: string;
  name: string;
  file: string;
  json: boolean;
  rpc(): Promise<RpcClient>;
}

export function makeCtx(io: WalletIo, opts: WalletOptions, positionals: string[]): Ctx {
  const datadir = resolve(opts.datadir ?? io.env.UTXOLAB_DATADIR ?? join(homedir(), ".utxolab", "devnet"));
  const name = opts.wallet ?? "default";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new UsageError(
      `--wallet ${JSON.stringify(name)}: use letters, digits, ".", "_" or "-" (up to 64), starting with a letter or digit`,
    );
  }
  let client: RpcClient | undefined;
  return {
    io,
    opts,
    positionals,
    datadir,
    name,
    file: join(datadir, "wallets", `${name}.json`),
    json: opts.json === true,
    async rpc() {
      if (client) return client;
      const url = opts.rpc ?? runningNodeUrl(datadir) ?? DEFAULT_RPC_URL;
      let token = opts["rpc-token"];
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

/** The command's arguments, exactly `n` of them, or a usage error showing `usage`. */
export function expectPositional(ctx: Ctx, n: number, usage: string): string[] {
  const p = ctx.positionals;
  if (p.length !== n)
    throw new UsageError(`${p.length < n ? "missing arguments" : `unexpected argument ${JSON.stringify(p[n])}`}; usage: ${usage}`);
  return p;
}

/** One JSON document with --json, else the lines for people. */
export function emit(ctx: Ctx, json: unknown, lines: () => string[]): void {
  if (ctx.json) ctx.io.out(JSON.stringify(json, null, 2));
  else for (const l of lines()) ctx.io.out(l);
}

/** The program's own terminal when the caller gave none: `utxolab wallet send` prompts like any CLI. */
export const terminal = (ctx: Ctx): PromptInput | undefined => ctx.io.stdin ?? (process.stdin as PromptInput);

export const units = (v: bigint) => v.toString();

export function decodeRecipient(address: string): Uint8Array {
  const d = decodeAddress(address, DEVNET.hrp);
  if (!d.ok) throw new UsageError(d.error);
  return d.pubkey;
}

export async function readArgFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(path), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path} (${code === "ENOENT" ? "no such file" : (code ?? String(e))})`);
  }
}
