import { type Amount, bytesToHex, coinsText, DEVNET, formatCoins, type Hash, outpointKey } from "@utxolab/core";
import { balanceOf, type CoinRecord, type PendingTx, parseSigned, sumValues, type Wallet } from "@utxolab/wallet";
import { type Ctx, emit, expectPositional, units } from "./context.js";
import { syncAndSave, withWallet } from "./open.js";

// The commands that report what the wallet holds: balance, unspent outputs, history.

export async function cmdBalance(ctx: Ctx): Promise<number> {
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
      `  spendable    ${coinsText(b.spendable)}`,
      `  immature     ${coinsText(b.immature)}${b.immature > 0n ? ` (coinbase rewards spendable after ${DEVNET.coinbaseMaturity} blocks)` : ""}`,
      `  pending in   ${coinsText(b.pendingIn)}${b.pendingIn > 0n ? " (waiting for a block)" : ""}${b.trustedPending > 0n ? `, of which ${coinsText(b.trustedPending)} is your own change: spendable now` : ""}`,
      `  pending out  ${coinsText(b.pendingOut)}${b.pendingOut > 0n ? " (being spent by waiting transactions)" : ""}`,
    ],
  );
  return 0;
}

export async function cmdUtxos(ctx: Ctx): Promise<number> {
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

export async function cmdHistory(ctx: Ctx): Promise<number> {
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
