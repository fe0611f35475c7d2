import {
  type Amount,
  bytesToHex,
  COIN,
  decodeAddress,
  devnetAccounts,
  encodeTx,
  type Hash,
  POLICY,
  parseCoins,
  type Refused,
  signTx,
  type Transaction,
  txSize,
  txSizeFor,
} from "@utxolab/core";
import { type Account, type AddressView, ApiError, api, type SubmitAnswer } from "../api.js";
import type { AppState, View } from "../app.js";
import { type Child, coins, coinsText, h, link, reasonLine, replace, short } from "../dom.js";

/** SPEC §7 defaults: the pool refuses outputs below the dust limit and fees below 1 unit/byte. */
/** the pool's dust limit (core's policy table) */
const DUST: bigint = POLICY.dustLimit;
const AUTO_FEE_PER_BYTE = 2n;
/** more inputs than this would make a payment the page cannot show on one screen */
const MAX_INPUTS = 20;

interface Spendable {
  txid: Hash;
  vout: number;
  value: bigint;
  owner: number;
}

interface Step {
  title: string;
  built?: { tx: Transaction; spent: Spendable[]; signer: number };
  local?: string;
  answer?: SubmitAnswer;
  /** where an accepted transaction is a moment later */
  where?: { in: "pool" } | { in: "chain"; height: number };
  note?: Child;
}

/** The attacks pay the coin back less this fee (the double spend's second payment less 3,000). */
const ATTACK_FEE = 2000n;

/** A coin too small to pay an attack's fee and keep an output the pool accepts: said as a refusal, not a crash. */
function tooSmall(title: string, c: Spendable, fee: bigint): Step | undefined {
  if (c.value - fee >= DUST) return undefined;
  return {
    title,
    local: `coin ${short(c.txid, 8)}:${c.vout} of account ${c.owner} holds ${coinsText(c.value)}, too small to pay this attack's fee of ${coinsText(fee)} and keep an output the pool accepts; pick an account with a bigger coin`,
  };
}

/** Bytes of a payment with n inputs and m outputs: every input carries one 64-byte signature. */
const sizeOf = (inputs: number, outputs: number) => BigInt(txSizeFor(inputs, outputs));

/**
 * The "try to break it" panel: builds payments from the public devnet keys in the browser,
 * including ones the page's own checks would refuse, and shows the node's answer to each.
 */
export function tryView(state: AppState): View {
  const keys = devnetAccounts();
  const el = h("section", { class: "view try-view", "data-testid": "try-view" });
  let accounts: Account[] = [];
  /** the coins this page spent, newest last: the material for a double spend */
  const spentHere: Spendable[] = [];

  const fromSel = h("select", { "aria-label": "from account", "data-testid": "try-from" });
  const toSel = h("select", { "aria-label": "to", "data-testid": "try-to" });
  const toAddr = h("input", { type: "text", placeholder: "lab1… address", "aria-label": "to address", class: "wide", hidden: true });
  const amount = h("input", {
    type: "text",
    placeholder: "e.g. 1.5",
    "aria-label": "amount in coins",
    "data-testid": "try-amount",
    autocomplete: "off",
  });
  const fee = h("input", {
    type: "text",
    placeholder: "automatic",
    "aria-label": "fee in coins",
    "data-testid": "try-fee",
    autocomplete: "off",
  });
  const skip = h("input", { type: "checkbox", "data-testid": "try-skip" });
  const raw = h("textarea", {
    rows: 3,
    placeholder: "paste a transaction's hex (from a tx view, or built by hand)",
    "aria-label": "raw transaction hex",
    "data-testid": "try-raw",
  });
  const result = h("div", { class: "try-result", "data-testid": "try-result", "aria-live": "polite" });
  const balance = h("div", { class: "try-balance" });

  for (let i = 0; i < 10; i++) {
    fromSel.append(h("option", { value: i }, `account ${i}`));
    toSel.append(h("option", { value: i }, `account ${i}`));
  }
  toSel.append(h("option", { value: "other" }, "another address…"));
  toSel.value = "1";
  toSel.addEventListener("change", () => {
    toAddr.hidden = toSel.value !== "other";
  });
  fromSel.addEventListener("change", () => {
    // a choice made by the person is never overridden by the "richest account" default
    fromChosen = true;
    void refreshBalance();
  });

  const from = () => Number(fromSel.value);
  let fromChosen = false;

  function recipient(): { ok: true; pubkey: Uint8Array; label: string } | Refused<"bad-address"> {
    if (toSel.value !== "other") {
      const i = Number(toSel.value);
      return { ok: true, pubkey: keys[i].pubkey, label: `account ${i}` };
    }
    const d = decodeAddress(toAddr.value.trim(), state.info?.params.hrp ?? "lab");
    return d.ok
      ? { ok: true, pubkey: d.pubkey, label: short(toAddr.value.trim(), 14) }
      : { ok: false, reason: d.reason, detail: `to: ${d.detail}` };
  }

  async function spendable(owner: number): Promise<{ coins: Spendable[]; immature: Spendable[]; view: AddressView }> {
    const a = await api.address(state.accountAddresses[owner]);
    const mine = (u: { txid: string; vout: number; value: string }) => ({
      txid: u.txid as Hash,
      vout: u.vout,
      value: BigInt(u.value),
      owner,
    });
    // confirmed coins first (biggest first), then outputs of waiting transactions: the pool accepts chains of them
    return {
      coins: [...a.spendableUtxos.map(mine), ...a.pendingUtxos.map(mine)],
      immature: a.utxos.filter((u) => !u.mature).map(mine),
      view: a,
    };
  }

  /** The richest account by spendable coins, to suggest when the chosen one has nothing to use. */
  function richest(except?: number): Account | undefined {
    return [...accounts]
      .filter((a) => a.index !== except)
      .sort((x, y) =>
        BigInt(y.spendable) > BigInt(x.spendable) ? 1 : BigInt(y.spendable) < BigInt(x.spendable) ? -1 : x.index - y.index,
      )[0];
  }

  /** Exactly why an account has no coin an attack can start from, and what to do about it. */
  function noCoin(owner: number, a: AddressView): string {
    const height = state.info?.height ?? 0;
    const maturity = state.info?.params.coinbaseMaturity ?? 10;
    const why: string[] = [];
    const immature = a.utxos.filter((u) => !u.mature);
    if (immature.length) {
      const first = Math.min(...immature.map((u) => u.height + maturity));
      why.push(
        `${immature.length} mining reward${immature.length === 1 ? " is" : "s are"} immature (the first can be spent in block #${first}, ${first - height - 1 <= 0 ? "the next block" : `${first - height - 1} blocks from now`}: mine blocks to get there)`,
      );
    }
    const inPool = a.utxos.filter((u) => u.mature && u.spentBy);
    if (inPool.length) {
      why.push(
        `${inPool.length === 1 ? "its coin is" : `${inPool.length} coins are`} already spent by a payment waiting in the pool (${short(inPool[0].spentBy ?? "", 8)}): mine a block to confirm it, then the change, if any, can be spent`,
      );
    }
    if (!immature.length && !inPool.length) why.push(`it owns no coins at all: everything it had has been spent`);
    const r = richest(owner);
    const other = r && BigInt(r.spendable) > 0n ? ` Or pick account ${r.index}, which can spend ${coinsText(r.spendable)}.` : "";
    return `account ${owner} has no coin to use right now: ${why.join("; ")}.${other}`;
  }

  function sign(spent: Spendable[], outputs: { pubkey: Uint8Array; value: bigint }[], signer?: number): Step["built"] {
    const unsigned: Transaction = {
      version: 1,
      inputs: spent.map((c) => ({ prevTxid: c.txid, vout: c.vout, witness: new Uint8Array(64) })),
      outputs: outputs.map((o) => ({ pubkey: o.pubkey, value: o.value as Amount })),
      locktime: 0,
    };
    const tx = signTx(
      unsigned,
      spent.map((c) => ({ value: c.value as Amount, pubkey: keys[c.owner].pubkey })),
      spent.map((c) => keys[signer ?? c.owner].sk),
    );
    return { tx, spent, signer: signer ?? spent[0]?.owner ?? from() };
  }

  async function submit(step: Step): Promise<Step> {
    if (!step.built) return step;
    try {
      step.answer = await api.submit(bytesToHex(encodeTx(step.built.tx)));
      if (step.answer.ok) {
        spentHere.push(...step.built.spent);
        // automine may have put it in a block already: say where it really is
        await new Promise((r) => setTimeout(r, 150));
        const t = await api.tx(step.answer.txid).catch(() => undefined);
        step.where = t?.status.in === "chain" ? { in: "chain", height: t.status.height } : { in: "pool" };
      }
    } catch (e) {
      step.local = (e as Error).message;
    }
    return step;
  }

  function describe(b: NonNullable<Step["built"]>): HTMLElement {
    const totalIn = b.spent.reduce((s, c) => s + c.value, 0n);
    const totalOut = b.tx.outputs.reduce((s, o) => s + o.value, 0n);
    const who = (pk: Uint8Array) => {
      const i = keys.findIndex((k) => bytesToHex(k.pubkey) === bytesToHex(pk));
      return i >= 0 ? `account ${i}` : `${bytesToHex(pk).slice(0, 10)}…`;
    };
    return h(
      "div",
      { class: "built" },
      h(
        "div",
        null,
        h("strong", null, "In: "),
        b.spent.map((c, i) => [i ? ", " : "", `${coins(c.value)} (coin ${short(c.txid, 8)}:${c.vout} of account ${c.owner})`]),
      ),
      h(
        "div",
        null,
        h("strong", null, "Out: "),
        b.tx.outputs.map((o, i) => [i ? ", " : "", `${coins(o.value)} to ${who(o.pubkey)}`]),
      ),
      h(
        "div",
        null,
        totalIn >= totalOut
          ? `Fee: ${coinsText(totalIn - totalOut)} (${txSize(b.tx)} bytes). `
          : h("strong", { class: "bad-text" }, `It pays out ${coinsText(totalOut - totalIn)} more than it spends. `),
        `Signed in this browser with account ${b.signer}'s public devnet key.`,
      ),
      h("details", null, h("summary", null, "the signed bytes (hex)"), h("p", { class: "mono wrap small" }, bytesToHex(encodeTx(b.tx)))),
    );
  }

  function show(steps: Step[]): void {
    replace(
      result,
      steps.map((s) =>
        h(
          "div",
          { class: `step ${s.answer?.ok ? "accepted" : s.answer || s.local ? "refused" : ""}` },
          h("h3", null, s.title),
          s.built ? describe(s.built) : null,
          s.local
            ? h("div", { class: "answer refused", "data-testid": "try-local" }, h("strong", null, "Refused before signing: "), s.local)
            : null,
          s.answer
            ? s.answer.ok
              ? h(
                  "div",
                  { class: "answer accepted" },
                  h("strong", null, "The node accepted it. "),
                  `txid ${short(s.answer.txid, 16)}, fee ${coinsText(s.answer.fee)}. `,
                  s.where?.in === "chain"
                    ? ["The miner already confirmed it in ", link(`#/block/${s.where.height}`, `block #${s.where.height}`), "."]
                    : "It waits in the pool for a block.",
                )
              : h(
                  "div",
                  { class: "answer refused" },
                  h("strong", null, "The node refused it: "),
                  reasonLine(s.answer.reason, s.answer.detail),
                  h("div", { class: "plain" }, s.answer.plain),
                )
            : null,
          s.note ? h("div", { class: "note" }, s.note) : null,
        ),
      ),
    );
  }

  const busy = async (fn: () => Promise<Step[]>) => {
    replace(result, h("p", { class: "muted" }, "Building, signing, sending…"));
    try {
      show(await fn());
    } catch (e) {
      show([{ title: "Could not try it", local: e instanceof ApiError ? e.message : `unexpected error: ${(e as Error).message}` }]);
    }
    await refreshBalance();
  };

  /** The ordinary payment, with the checks a wallet makes first (and a way to skip them). */
  async function pay(): Promise<Step[]> {
    const title = "Your payment";
    const amt = parseCoins(amount.value, "amount");
    if (!amt.ok) {
      return [
        {
          title,
          local: amt.detail,
          note: "Amounts typed by people go through the same parser as the node's own tools. A transaction cannot even express a negative amount: output values are unsigned whole numbers of units, at most 21 million coins.",
        },
      ];
    }
    if (amt.value === 0n) {
      return [
        {
          title,
          local:
            "an amount of 0 pays nobody anything: give more than 0 (the smallest amount is 0.00000001 coins, 1 unit, and the pool refuses outputs below 546 units as dust)",
        },
      ];
    }
    let fixedFee: bigint | undefined;
    if (fee.value.trim() !== "") {
      const f = parseCoins(fee.value, "fee");
      if (!f.ok) return [{ title, local: f.detail }];
      fixedFee = f.value;
    }
    const to = recipient();
    if (!to.ok) return [{ title, local: to.detail }];
    const owner = from();
    const { coins: pool, view } = await spendable(owner);
    if (pool.length === 0) return [{ title, local: noCoin(owner, view) }];
    const chosen: Spendable[] = [];
    let total = 0n;
    const feeFor = (n: number) => fixedFee ?? sizeOf(n, 2) * AUTO_FEE_PER_BYTE;
    for (const c of pool) {
      if (total >= amt.value + feeFor(chosen.length) || chosen.length >= MAX_INPUTS) break;
      chosen.push(c);
      total += c.value;
    }
    const needed = amt.value + feeFor(chosen.length);
    if (total < needed) {
      if (!skip.checked) {
        const have = pool.reduce((s, c) => s + c.value, 0n);
        return [
          {
            title,
            local: `account ${owner} can spend ${coinsText(have)}${pool.length > MAX_INPUTS ? ` (${MAX_INPUTS} coins at most in one payment: ${coinsText(total)})` : ""}, but this payment needs ${coinsText(needed)} with the fee. This page checks first, as a wallet does; tick “skip this page's checks” to hand-build it anyway and see the node refuse it.`,
          },
        ];
      }
      // hand-built on purpose: every coin in, the full amount out, no change; the node is the judge
      const built = sign(chosen, [{ pubkey: to.pubkey, value: amt.value }]);
      return [await submit({ title: "Your payment, built without the page's balance check", built })];
    }
    const outputs: { pubkey: Uint8Array; value: bigint }[] = [{ pubkey: to.pubkey, value: amt.value }];
    const change = total - needed;
    if (change >= DUST) outputs.push({ pubkey: keys[owner].pubkey, value: change });
    const built = sign(chosen, outputs);
    return [
      await submit({
        title,
        built,
        note: change > 0n && change < DUST ? `The change of ${change} units is below the dust limit, so it goes to the fee.` : undefined,
      }),
    ];
  }

  async function overspend(): Promise<Step[]> {
    const owner = from();
    const to = recipient();
    if (!to.ok) return [{ title: "Overspend", local: to.detail }];
    const { coins: pool, view } = await spendable(owner);
    const c = pool[0];
    if (!c) return [{ title: "Overspend", local: noCoin(owner, view) }];
    const built = sign([c], [{ pubkey: to.pubkey, value: c.value + COIN }]);
    return [
      await submit({
        title: `Overspend: an output worth ${coinsText(c.value)} pays out ${coins(c.value + COIN)}`,
        built,
        note: "The signature is perfect and the coin is real: only the arithmetic is wrong. The node adds up the inputs and the outputs and refuses any transaction that pays out more than it spends.",
      }),
    ];
  }

  async function doubleSpend(): Promise<Step[]> {
    const owner = from();
    const again = [...spentHere].reverse().find((c) => c.owner === owner);
    if (again) {
      const small = tooSmall("Double spend", again, ATTACK_FEE);
      if (small) return [small];
      const built = sign([again], [{ pubkey: keys[(owner + 2) % 10].pubkey, value: again.value - ATTACK_FEE }]);
      return [
        await submit({
          title: `Double spend: coin ${short(again.txid, 8)}:${again.vout} again`,
          built,
          note: "This page already spent that coin in an earlier payment. While that payment waits the pool refuses a second one (txn-mempool-conflict); once it is in a block, the coin no longer exists (bad-txns-inputs-missingorspent).",
        }),
      ];
    }
    const { coins: pool, view } = await spendable(owner);
    const c = pool[0];
    if (!c) return [{ title: "Double spend", local: noCoin(owner, view) }];
    const small = tooSmall("Double spend", c, ATTACK_FEE + 1000n);
    if (small) return [small];
    const first = await submit({
      title: `1. Pay with coin ${short(c.txid, 8)}:${c.vout} (${coinsText(c.value)})`,
      built: sign([c], [{ pubkey: keys[(owner + 1) % 10].pubkey, value: c.value - ATTACK_FEE }]),
    });
    const second = await submit({
      title: "2. Pay someone else with the same coin",
      built: sign([c], [{ pubkey: keys[(owner + 2) % 10].pubkey, value: c.value - ATTACK_FEE - 1000n }]),
      note: "Each coin can be spent once. The first payment the node sees wins; the second is a double spend and is refused.",
    });
    return [first, second];
  }

  async function forge(): Promise<Step[]> {
    const owner = from();
    const thief = (owner + 1) % 10;
    const to = recipient();
    if (!to.ok) return [{ title: "Forge", local: to.detail }];
    const { coins: pool, view } = await spendable(owner);
    const c = pool[0];
    if (!c) return [{ title: "Forge", local: noCoin(owner, view) }];
    const small = tooSmall("Forge", c, ATTACK_FEE);
    if (small) return [small];
    return [
      await submit({
        title: `Forge: account ${thief} signs for account ${owner}'s coin`,
        built: sign([c], [{ pubkey: to.pubkey, value: c.value - ATTACK_FEE }], thief),
        note: `The coin says which key may spend it (account ${owner}'s). A signature by any other key does not verify.`,
      }),
    ];
  }

  async function premature(): Promise<Step[]> {
    const owner = from();
    const steps: Step[] = [];
    let { immature } = await spendable(owner);
    if (immature.length === 0) {
      // no fresh reward yet: mine one to this account first, as a miner would
      try {
        const m = await api.steerMining("mine", state.accountAddresses[owner]);
        steps.push({
          title: `1. Mine block #${m.height} with its reward to account ${owner}`,
          note: "A new block's reward is new coins, paid to whoever the miner names: here, this account.",
        });
        ({ immature } = await spendable(owner));
      } catch (e) {
        return [
          {
            title: "Spend a mining reward too early",
            local: `account ${owner} has no fresh mining reward, and this page could not mine one (${e instanceof ApiError ? e.message : (e as Error).message}). Mine a block to it first (utxolab rpc generatetoaddress 1 ${state.accountAddresses[owner]}), then try again.`,
          },
        ];
      }
    }
    const c = immature[immature.length - 1];
    if (!c)
      return [
        ...steps,
        { title: "Spend a mining reward too early", local: `account ${owner} still shows no immature reward: reload and try again` },
      ];
    const small = tooSmall("Spend a mining reward too early", c, ATTACK_FEE);
    if (small) return [...steps, small];
    return [
      ...steps,
      await submit({
        title: `${steps.length ? "2. " : ""}Spend a ${coins(c.value)}-coin mining reward too early`,
        built: sign([c], [{ pubkey: keys[(owner + 1) % 10].pubkey, value: c.value - ATTACK_FEE }]),
        note: "New coins from mining must wait 10 blocks: if their block is replaced in a reorganization, the coins vanish, and so would everything paid with them.",
      }),
    ];
  }

  async function sendRaw(): Promise<Step[]> {
    const hex = raw.value.trim();
    if (!hex) return [{ title: "Raw transaction", local: "paste a transaction's hex first" }];
    try {
      return [{ title: "Raw transaction", answer: await api.submit(hex) }];
    } catch (e) {
      return [{ title: "Raw transaction", local: (e as Error).message }];
    }
  }

  async function refreshBalance(): Promise<void> {
    if (!state.info?.devnet) return;
    accounts = await api.accounts();
    if (!fromChosen) {
      // the richest account works for every attack; the person may pick another at any time
      const r = richest();
      if (r) fromSel.value = String(r.index);
      fromChosen = true;
    }
    accounts.forEach((a, i) => {
      fromSel.options[i].text = `account ${a.index}: ${coins(a.spendable)} spendable`;
    });
    const a = accounts[from()];
    if (a) {
      replace(
        balance,
        `Account ${a.index} can spend `,
        h("strong", null, coinsText(a.spendable)),
        ` now; ${coinsText(a.immature)} immature, ${coinsText(a.pending)} pending.`,
      );
    }
  }

  const button = (label: string, testid: string, fn: () => Promise<Step[]>, cls = "") =>
    h("button", { type: "button", class: cls, "data-testid": testid, onclick: () => void busy(fn) }, label);

  el.append(
    h("div", { class: "view-head" }, h("h2", null, "Try to break it")),
    h(
      "p",
      { class: "lead" },
      "The ten devnet keys are public, so this page can sign for any account, right here in the browser. Build a payment, or one of the attacks below, and see what the node answers.",
    ),
    h(
      "div",
      { class: "try-grid" },
      h(
        "div",
        { class: "try-form" },
        h("div", { class: "pair" }, h("label", null, "From ", fromSel), h("label", null, "To ", toSel)),
        toAddr,
        balance,
        h("div", { class: "pair" }, h("label", null, "Amount ", amount), h("label", null, "Fee ", fee)),
        h("span", { class: "muted hint" }, "Amounts in coins (up to 8 decimals). An empty fee pays 2 units per byte."),
        h("label", { class: "check" }, skip, " skip this page's checks and hand-build it anyway"),
        button("Sign and send", "try-send", pay, "primary"),
        h(
          "div",
          { class: "attacks" },
          h("h3", null, "Attacks to try"),
          button("Overspend: pay more than the coin holds", "try-overspend", overspend),
          button("Double spend: use one coin twice", "try-doublespend", doubleSpend),
          button("Forge: sign with someone else's key", "try-forge", forge),
          button("Spend a mining reward too early", "try-premature", premature),
          h("p", { class: "muted" }, "Also type a negative amount, a huge one, or a fee of 0."),
        ),
        h("details", null, h("summary", null, "Send raw bytes"), raw, button("Send these bytes", "try-raw-send", sendRaw)),
      ),
      h(
        "div",
        null,
        h(
          "div",
          { class: "try-why", "data-testid": "try-why" },
          h("strong", null, "Why no balance can ever go negative"),
          h(
            "p",
            null,
            "A balance is not a number the node stores and could subtract from: it is the sum of the unspent outputs (coins) that pay an address. ",
            "Each coin holds a whole number of units, never below zero. A payment spends coins that exist and are unspent, each once, signed by their owner, ",
            "and may not pay out more than they hold (bad-txns-in-belowout). So the most anyone can do is spend everything, leaving zero.",
          ),
        ),
        result,
      ),
    ),
  );

  if (!state.info?.devnet) {
    // only devnet has public keys to sign with
    replace(
      el,
      h("h2", null, "Try to break it"),
      h("p", { class: "lead" }, "This panel works on devnet only, where the account keys are public. This node runs another network."),
    );
    return { el, update: async () => undefined };
  }
  return { el, update: refreshBalance };
}
