import { existsSync } from "node:fs";
import { bytesToHex, DEVNET, devnetAccounts, encodeAddress, formatCoins } from "@utxolab/core";
import { checkMnemonic, newMnemonic, Wallet } from "@utxolab/wallet";
import { UsageError } from "../args.js";
import { type Ctx, emit, expectPositional, units } from "./context.js";
import { createWallet, refuseExisting, withWallet } from "./open.js";
import { passphraseFor } from "./passphrase.js";

// The commands that make wallets and hand out their addresses.

export async function cmdCreate(ctx: Ctx): Promise<number> {
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

export async function cmdImport(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, 'utxolab wallet import --mnemonic "WORDS" [--wallet NAME]');
  const given = ctx.opts.mnemonic;
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

export async function cmdImportDevnet(ctx: Ctx): Promise<number> {
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

export async function cmdAddress(ctx: Ctx): Promise<number> {
  expectPositional(ctx, 0, "utxolab wallet address [--wallet NAME]");
  const a = await withWallet(ctx, async (w) => {
    const got = w.newReceiveAddress();
    await w.save();
    return got;
  });
  emit(ctx, { address: a.address, path: `m/86'/1'/0'/0/${a.index}` }, () => [a.address]);
  return 0;
}

export async function cmdAddresses(ctx: Ctx): Promise<number> {
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
