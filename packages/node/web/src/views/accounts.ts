import { decodeAddress } from "@utxolab/core";
import { api } from "../api.js";
import type { AppState, View } from "../app.js";
import { coins, coinsText, h, link, listTable, num, replace, short, shortAddr } from "../dom.js";

/** at most this many terms are written out in a balance's sum; the rest are counted */
const SUM_TERMS = 12;

const meanings = () =>
  h(
    "dl",
    { class: "facts legend" },
    h("dt", null, "spendable"),
    h("dd", null, "confirmed coins the next block may spend, not already used by a waiting transaction"),
    h("dt", null, "immature"),
    h("dd", null, "mining rewards that must wait 10 blocks before they can be spent"),
    h("dt", null, "pending"),
    h("dd", null, "what waiting transactions will pay this address once a block confirms them"),
  );

function searchBox(hrp: string): HTMLElement {
  const input = h("input", { type: "text", placeholder: `any address (${hrp}1…)`, "aria-label": "address", class: "wide" });
  const msg = h("span", { class: "error" });
  const go = () => {
    const d = decodeAddress(input.value.trim(), hrp);
    if (!d.ok) {
      replace(msg, d.detail);
      return;
    }
    location.hash = `#/address/${input.value.trim().toLowerCase()}`;
  };
  input.addEventListener("keydown", (e) => e.key === "Enter" && go());
  return h("div", { class: "search-row" }, input, h("button", { type: "button", onclick: go }, "Look up"), msg);
}

/** The ten public devnet accounts and what each holds. */
export function accountsView(state: AppState): View {
  const el = h("section", { class: "view accounts-view", "data-testid": "accounts-view" });
  const table = h("div");
  const hrp = state.info?.params.hrp ?? "lab";
  el.append(h("div", { class: "view-head" }, h("h2", null, "Accounts")), searchBox(hrp), table, meanings());

  async function update(): Promise<void> {
    if (!state.info?.devnet) {
      replace(table, h("p", { class: "muted" }, "This node is not on devnet, so there are no public accounts: look up any address above."));
      return;
    }
    const accounts = await api.accounts();
    replace(
      table,
      listTable(
        ["#", "address", num("spendable"), num("immature"), num("pending")],
        accounts.map((a) =>
          h(
            "tr",
            { "data-testid": "account", "data-index": a.index },
            h("td", { class: "strong" }, a.index),
            h("td", null, link(`#/address/${a.address}`, h("span", { class: "mono" }, shortAddr(a.address)), { title: a.address })),
            h("td", { class: "num strong" }, coins(a.spendable)),
            h("td", { class: "num" }, coins(a.immature)),
            h("td", { class: "num" }, coins(a.pending)),
          ),
        ),
      ),
      h(
        "p",
        { class: "note" },
        "Amounts in coins. These keys are public (anyone can spend from them): they exist only to learn on a local devnet.",
      ),
    );
  }

  return { el, update };
}

/** Any address: its totals and its coins. */
export function addressView(state: AppState, address: string): View {
  const el = h("section", { class: "view address-view", "data-testid": "address-view" });

  async function update(): Promise<void> {
    const a = await api.address(address);
    const n = a.devnetAccount >= 0 ? a.devnetAccount : undefined;
    replace(
      el,
      h(
        "div",
        { class: "view-head" },
        h("h2", null, n !== undefined ? `Account ${n}` : "Address"),
        searchBox(state.info?.params.hrp ?? "lab"),
      ),
      h("p", { class: "mono wrap" }, a.address),
      h(
        "div",
        { class: "totals" },
        [
          ["spendable", a.spendable],
          ["immature", a.immature],
          ["pending", a.pending],
          ["being spent", a.spending],
          ["balance (confirmed)", a.balance],
        ].map(([k, v]) => h("div", { class: "total" }, h("div", { class: "total-value" }, coins(v)), h("div", { class: "muted" }, k))),
      ),
      h(
        "div",
        { class: "sum-line", "data-testid": "balance-sum" },
        h("strong", null, "Balance = the sum of its coins: "),
        a.utxos.length === 0
          ? "no coins, so 0. "
          : [
              a.utxos
                .slice(0, SUM_TERMS)
                .map((u) => coins(u.value))
                .join(" + "),
              a.utxoCount > SUM_TERMS ? ` + … (${a.utxoCount - SUM_TERMS} more coins)` : "",
              " = ",
              h("strong", null, coinsText(a.balance)),
              ". ",
            ],
        h(
          "span",
          { class: "muted" },
          "The node stores no balance anywhere: it adds up the unspent outputs that pay this address, so spending removes coins and can never go below zero.",
        ),
      ),
      h("h3", null, `Its coins (unspent outputs): ${a.utxoCount}${a.utxoCount > a.utxos.length ? `, newest ${a.utxos.length} shown` : ""}`),
      listTable(
        ["output", num("coins"), num("block"), "state"],
        a.pendingUtxos.map((u) =>
          h(
            "tr",
            null,
            h("td", null, link(`#/tx/${u.txid}`, h("span", { class: "mono" }, `${short(u.txid)}:${u.vout}`))),
            h("td", { class: "num" }, coins(u.value)),
            h("td", { class: "num" }, "—"),
            h("td", null, h("span", { class: "badge warn" }, "pending")),
          ),
        ),
        a.utxos.map((u) =>
          h(
            "tr",
            null,
            h("td", null, link(`#/tx/${u.txid}`, h("span", { class: "mono" }, `${short(u.txid)}:${u.vout}`))),
            h("td", { class: "num" }, coins(u.value)),
            h("td", { class: "num" }, u.height),
            h(
              "td",
              null,
              !u.mature
                ? h("span", { class: "badge" }, "immature reward")
                : u.spentBy
                  ? h("span", { class: "badge warn" }, "being spent by ", link(`#/tx/${u.spentBy}`, short(u.spentBy)))
                  : h("span", { class: "badge ok" }, "spendable"),
            ),
          ),
        ),
      ),
      meanings(),
    );
  }

  return { el, update };
}
