import { type Wallet, WrongPassphraseError } from "@utxolab/wallet";
import { UsageError } from "../args.js";
import type { Ctx } from "./context.js";
import { terminal } from "./context.js";
import { promptHidden } from "./prompt.js";

const givenPassphrase = (ctx: Ctx) => ctx.opts.passphrase ?? ctx.io.env.UTXOLAB_WALLET_PASSPHRASE;

/** The passphrase from --passphrase, $UTXOLAB_WALLET_PASSPHRASE or the terminal; a new one is typed twice. */
export async function passphraseFor(ctx: Ctx, purpose: "unlock" | "new", w?: Wallet): Promise<string> {
  const given = givenPassphrase(ctx);
  if (given !== undefined) {
    if (purpose === "new" && given === "") {
      throw new UsageError("the passphrase is empty; choose one, or pass --insecure-devnet to store the secret unencrypted (devnet only)");
    }
    return given;
  }
  const stdin = terminal(ctx);
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

/** The wallet's secret; a person typing at the prompt gets three tries. */
export async function unlockedPayload(ctx: Ctx, w: Wallet) {
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
