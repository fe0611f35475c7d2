import { resolve } from "node:path";
import { isRefusal, type RpcClient } from "@utxolab/client";
import {
  type Amount,
  bytesToHex,
  coinsText,
  DEVNET,
  devnetAccounts,
  encodeTx,
  formatCoins,
  type Hash,
  hexToBytes,
  outpointKey,
  parseCoins,
  type Transaction,
  txid,
  txSize,
} from "@utxolab/core";
import {
  balanceOf,
  buildPayment,
  type CoinRecord,
  DEFAULT_FEE_RATE,
  DUST_LIMIT,
  encodeUnsigned,
  MAX_STANDARD_TX_SIGS,
  MAX_STANDARD_TX_SIZE,
  type PaymentPlan,
  type PaymentRefusal,
  planPayment,
  signPayment,
  spendableCoins,
  spentOf,
  sumValues,
  syncWallet,
  trustedPendingCoins,
  type Wallet,
  type WalletView,
  writeFileAtomic,
} from "@utxolab/wallet";
import { UsageError } from "../args.js";
import { type Ctx, decodeRecipient, emit, expectPositional, terminal, units } from "./context.js";
import { withWallet } from "./open.js";
import { unlockedPayload } from "./passphrase.js";
import { promptLine } from "./prompt.js";

// `send` and `mktx`: what the person typed becomes a payment order, `planPayment` (the wallet's
// pure planner) chooses the coins, and this file says why a payment cannot be made, asks before
// public coins are taken whole, signs, and sends or writes the unsigned transaction.

/** The public devnet keys (pubkey hex → account number): anyone in the room can spend them. */
const PUBLIC_KEYS = () => new Map(devnetAccounts().map((a) => [bytesToHex(a.pubkey), a.index]));

function parseFeeRate(ctx: Ctx): bigint {
  const v = ctx.opts["fee-rate"];
  if (v === undefined) return DEFAULT_FEE_RATE;
  if (!/^[0-9]+$/.test(v) || v.length > 12) {
    throw new UsageError(`--fee-rate ${JSON.stringify(v)} is not a whole number of units per byte (e.g. --fee-rate 2)`);
  }
  return BigInt(v);
}

function parseFrom(ctx: Ctx): { txid: Hash; vout: number }[] | undefined {
  const list = ctx.opts.from;
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

/** What the person asked for, read and checked before the wallet or the node is touched. */
interface PaymentRequest {
  mode: "send" | "mktx";
  to: string;
  payeeKey: Uint8Array;
  amount: Amount | "max";
  rate: bigint;
  subtract: boolean;
  from?: { txid: Hash; vout: number }[];
  dryRun: boolean;
}

function readRequest(ctx: Ctx, mode: "send" | "mktx"): PaymentRequest {
  const usage = `utxolab wallet ${mode} ADDRESS AMOUNT|max [--fee-rate N] [--subtract-fee] [--from TXID:VOUT ...]${mode === "send" ? " [--dry-run]" : " [--out FILE]"}`;
  const [to, amountArg] = expectPositional(ctx, 2, usage);
  const payeeKey = decodeRecipient(to);
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
  const subtract = ctx.opts["subtract-fee"] === true;
  if (subtract && amount === "max")
    throw new UsageError("--subtract-fee with max: the fee already comes out of everything sent; drop one of them");
  const from = parseFrom(ctx);
  if (ctx.opts.out !== undefined && mode === "send") throw new UsageError("--out is for mktx and sign; send broadcasts directly");
  return { mode, to, payeeKey, amount, rate, subtract, from, dryRun: ctx.opts["dry-run"] === true };
}

/** Why the coins cannot pay, with the numbers and what to do. */
function refusalMessage(ctx: Ctx, b: ReturnType<typeof balanceOf>, r: PaymentRefusal, req: PaymentRequest): string {
  if (r.kind === "too-large") {
    return `this payment needs ${r.needed} inputs, but a transaction the pool accepts holds at most ${r.maxInputs} (${MAX_STANDARD_TX_SIZE} bytes, ${MAX_STANDARD_TX_SIGS} signatures): send less, or first combine coins with \`send <your address> max\``;
  }
  if (r.kind === "payee-dust") {
    return `after the fee of ${coinsText(r.fee)} the payee would get ${r.payee} units, below the ${r.dust}-unit dust limit the pool refuses; send more`;
  }
  const { amount, rate } = req;
  const fromGiven = req.from !== undefined;
  const need =
    amount === "max"
      ? `sending everything needs more than the fee of ${coinsText(r.fee)} plus the ${DUST_LIMIT}-unit dust limit`
      : req.subtract
        ? `sending ${coinsText(amount)} with the fee taken from it needs ${coinsText(r.required)}`
        : `sending ${coinsText(amount)} needs ${coinsText(r.required)} (amount ${formatCoins(amount)} + fee ${formatCoins(r.fee)} at ${rate} unit/byte)`;
  const have = fromGiven
    ? `the --from outputs hold ${coinsText(r.available)}`
    : `only ${coinsText(b.spendable + b.trustedPending)} are spendable${b.trustedPending > 0n ? ` (${coinsText(b.trustedPending)} of it your unconfirmed change)` : ""}`;
  const parts = [`insufficient funds in wallet "${ctx.name}": ${need}, but ${have}`];
  if (!fromGiven) {
    parts.push(`immature ${coinsText(b.immature)} (coinbase rewards need ${DEVNET.coinbaseMaturity} blocks)`);
    parts.push(`pending in ${coinsText(b.pendingIn)} and pending out ${coinsText(b.pendingOut)} (wait for the next block)`);
  }
  return `${parts.join("; ")}. Send less, or wait for pending and immature coins.`;
}

/** `send` and `mktx`: read the request, plan it from the synced wallet, then write, test or send it. */
export async function cmdPay(ctx: Ctx, mode: "send" | "mktx"): Promise<number> {
  const req = readRequest(ctx, mode);
  return withWallet(ctx, async (w) => {
    const rpc = await ctx.rpc();
    const view = await syncWallet(w, rpc);
    const plan = planPayment({
      coins: req.from ? fromCoins(w, view, req.from) : spendableCoins(w, view),
      ownPending: req.from ? [] : trustedPendingCoins(w, view),
      inputsGiven: req.from !== undefined,
      amount: req.amount,
      feeRate: req.rate,
      subtractFee: req.subtract,
      dust: DUST_LIMIT,
      publicKeys: PUBLIC_KEYS(),
    });
    if (!plan.ok) throw new Error(refusalMessage(ctx, balanceOf(w, view), plan, req));
    const changeKey = plan.change > 0n ? w.peekChangeKey() : undefined;
    const unsigned = buildPayment(plan, req.payeeKey, changeKey ? hexToBytes(changeKey.pubkey) : undefined);
    const summary = paySummary(w, plan, req.to, changeKey?.pubkey, req.rate);
    if (mode === "mktx") return writeUnsigned(ctx, w, plan, unsigned, changeKey, summary);
    if (plan.askFirst.length > 0 && !req.dryRun && ctx.opts.yes !== true) await confirmPublicSweep(ctx, plan, req.to);
    const keys = w.signingKeys(
      await unlockedPayload(ctx, w),
      plan.inputs.map((c) => c.pubkey),
    );
    const signed = signPayment(unsigned, spentOf(plan.inputs), keys);
    if (txSize(signed) !== plan.size) throw new Error(`internal: signed size ${txSize(signed)} differs from the planned ${plan.size}`);
    const hex = bytesToHex(encodeTx(signed));
    const id = txid(signed);
    if (req.dryRun) return testAccept(ctx, rpc, id, hex, summary);

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

type Summary = ReturnType<typeof paySummary>;

/** mktx: the unsigned transaction to --out FILE (or stdout), the change address committed so it is not handed out twice. */
async function writeUnsigned(
  ctx: Ctx,
  w: Wallet,
  plan: PaymentPlan<CoinRecord>,
  unsigned: Transaction,
  changeKey: ReturnType<Wallet["peekChangeKey"]> | undefined,
  summary: Summary,
): Promise<number> {
  const text = encodeUnsigned({
    network: DEVNET.name,
    tx: unsigned,
    spent: plan.inputs.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, pubkey: c.pubkey })),
  });
  const out = ctx.opts.out;
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

/** --dry-run: asks the node whether it would accept the signed payment; nothing is sent and the wallet is unchanged. */
async function testAccept(ctx: Ctx, rpc: RpcClient, id: Hash, hex: string, summary: Summary): Promise<number> {
  const res = await rpc.call<{ txid: string; allowed: boolean; reason?: string; detail?: string; fee?: string }[]>("testmempoolaccept", [
    [hex],
  ]);
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

/**
 * A payment that takes coins of the public devnet keys whole (`max`, or an amount that leaves no
 * change) can empty accounts the whole room shares: a person types "yes" first, or passes --yes.
 * Without a terminal to ask, it is refused and nothing is signed.
 */
async function confirmPublicSweep(ctx: Ctx, plan: PaymentPlan<CoinRecord>, to: string): Promise<void> {
  const n = plan.inputs.length;
  const shared = plan.askFirst;
  const what = `this spends ${n} unspent output${n === 1 ? "" : "s"} whole, with no change back (${coinsText(plan.payee)} after the fee to ${to}), from public devnet account${shared.length === 1 ? "" : "s"} ${shared.join(", ")}: their keys are public, so on a shared network they belong to the whole room`;
  const stdin = terminal(ctx);
  if (!stdin?.isTTY) throw new UsageError(`${what}. Nothing was sent; add --yes to send it anyway`);
  const answer = await promptLine(`${what}. Type yes to send:`, stdin, ctx.io.err);
  if (answer.trim().toLowerCase() !== "yes") throw new UsageError("not sent: the answer was not yes (nothing was signed)");
}

/** The payment in lines for people and in JSON: what the payee gets, the fee, the change, the inputs. */
function paySummary(w: Wallet, plan: PaymentPlan<CoinRecord>, payee: string, changePubkey: string | undefined, rate: bigint) {
  const lines = [
    `  pay         ${coinsText(plan.payee)} to ${payee}`,
    `  fee         ${coinsText(plan.fee)} (${plan.size} bytes at ${rate} unit/byte${plan.fee > BigInt(plan.size) * rate ? `, plus ${plan.fee - BigInt(plan.size) * rate} units that would have been dust change` : ""})`,
    plan.change > 0n && changePubkey ? `  change      ${coinsText(plan.change)} to ${w.address(changePubkey)}` : "  change      none",
    `  inputs      ${plan.inputs.length} (${coinsText(sumValues(plan.inputs))})`,
  ];
  if (plan.leftOut > 0) {
    lines.push(
      `  note        ${plan.leftOut} smaller coins are left out: one transaction holds at most ${plan.inputs.length} inputs; run max again after this one confirms`,
    );
  }
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
