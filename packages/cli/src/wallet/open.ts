import { existsSync } from "node:fs";
import { DEVNET, type Hash, isHash } from "@utxolab/core";
import { lockWallet, syncWallet, Wallet, type WalletView } from "@utxolab/wallet";
import { UsageError } from "../args.js";
import type { Ctx } from "./context.js";
import { passphraseFor } from "./passphrase.js";

/** Runs `fn` on the wallet file, locked against other commands for the whole time. */
export async function withWallet<T>(ctx: Ctx, fn: (w: Wallet) => Promise<T>): Promise<T> {
  const unlock = await lockWallet(ctx.file);
  try {
    const w = await Wallet.load(ctx.file, ctx.name, DEVNET);
    return await fn(w);
  } finally {
    await unlock();
  }
}

export async function syncAndSave(ctx: Ctx, w: Wallet): Promise<WalletView> {
  const view = await syncWallet(w, await ctx.rpc());
  if (w.dirty) await w.save();
  return view;
}

export async function refuseExisting(ctx: Ctx): Promise<void> {
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

/** Writes a new wallet file (refusing to replace one); `fresh` keys start watching at the node's tip. */
export async function createWallet(ctx: Ctx, mnemonic: string, imported: Uint8Array[], fresh: boolean) {
  const insecure = ctx.opts["insecure-devnet"] === true;
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
