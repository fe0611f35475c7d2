import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { isRefusal } from "@utxolab/client";
import { bytesToHex, coinsText, DEVNET, encodeTx, feeRateText, isHash, outpointKey, type Transaction, txid, txSize } from "@utxolab/core";
import { encodeSigned, parseSigned, parseUnsigned, signPayment, spentOf, sumValues, Wallet, writeFileAtomic } from "@utxolab/wallet";
import { UsageError } from "../args.js";
import { type Ctx, emit, expectPositional, readArgFile, units } from "./context.js";
import { withWallet } from "./open.js";
import { unlockedPayload } from "./passphrase.js";

// Offline signing and sending what was signed: `sign FILE` needs no node, `broadcast` sends.

export async function cmdSign(ctx: Ctx): Promise<number> {
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
  if (inSum < outSum) throw new Error(`${path} pays out ${coinsText(outSum)} but spends only ${coinsText(inSum)}; refusing to sign`);
  const fee = inSum - outSum;
  const size = txSize({ ...u.tx, inputs: u.tx.inputs.map((i) => ({ ...i, witness: new Uint8Array(64) })) });
  const lines = [
    ...u.tx.outputs.map((o) => {
      const pk = bytesToHex(o.pubkey);
      return `  ${(w.isMine(pk) ? "change" : "pay").padEnd(11)} ${coinsText(o.value)} to ${w.address(pk)}`;
    }),
    `  fee         ${coinsText(fee)} (${size} bytes, ${feeRateText(fee, size)} units/byte)`,
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
  const out = ctx.opts.out;
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

export async function cmdBroadcast(ctx: Ctx): Promise<number> {
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
