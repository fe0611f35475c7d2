import { api, type TxView } from "../api.js";
import type { AppState, View } from "../app.js";
import { ago, coins, h, link, replace, short } from "../dom.js";

const txLink = (id: string, n = 12) => link(`#/tx/${id}`, h("span", { class: "mono" }, short(id, n)), { title: id });

function spentBadge(o: TxView["outputs"][number]): HTMLElement {
  if (!o.spent) return h("span", { class: "badge ok", "data-testid": "unspent" }, "unspent");
  if (o.spent.in === "pool") return h("span", { class: "badge warn" }, "being spent by waiting ", txLink(o.spent.txid));
  return h("span", { class: "badge muted-badge" }, "spent by ", txLink(o.spent.txid), ` in #${o.spent.height}`);
}

/** A transaction as coins in and coins out: where each input came from, where each output went. */
export function txView(state: AppState, id: string): View {
  const el = h("section", { class: "view tx-view", "data-testid": "tx-view" });

  async function update(): Promise<void> {
    const t = await api.tx(id);
    const s = t.status;
    const where =
      s.in === "chain"
        ? h(
            "span",
            { class: "badge ok" },
            "confirmed in ",
            link(`#/block/${s.block}`, `block #${s.height}`),
            ` · ${s.confirmations} confirmation${s.confirmations === 1 ? "" : "s"}`,
          )
        : h("span", { class: "badge warn" }, `waiting in the pool since ${ago(s.time)}`);
    const inputs = t.coinbase
      ? [
          h(
            "div",
            { class: "coin new" },
            h("strong", null, "New coins"),
            h("div", null, "the block reward plus the fees of the block's transactions"),
          ),
        ]
      : t.inputs.map((i) =>
          h(
            "div",
            { class: "coin" },
            h("div", { class: "coin-value" }, i.value !== undefined ? `${coins(i.value)} coins` : "?"),
            h("div", null, "from ", state.addressLink(i.address)),
            h("div", { class: "muted" }, "output ", txLink(i.prevTxid), `:${i.vout}`),
          ),
        );
    const outputs = t.outputs.map((o) =>
      h(
        "div",
        { class: "coin", "data-testid": "output" },
        h("div", { class: "coin-value" }, `${coins(o.value)} coins`),
        h("div", null, "to ", state.addressLink(o.address)),
        h("div", null, `#${o.n} `, spentBadge(o)),
      ),
    );
    replace(
      el,
      h("div", { class: "view-head" }, h("h2", null, t.coinbase ? "Coinbase transaction" : "Transaction"), where),
      h("p", { class: "mono wrap" }, t.txid),
      h(
        "div",
        { class: "flow" },
        h(
          "div",
          { class: "flow-col" },
          h("h3", null, t.coinbase ? "From" : `Inputs: ${t.valueIn !== undefined ? `${coins(t.valueIn)} coins` : "?"}`),
          inputs,
        ),
        h("div", { class: "flow-arrow", "aria-hidden": "true" }, "→"),
        h("div", { class: "flow-col" }, h("h3", null, `Outputs: ${coins(t.valueOut)} coins`), outputs),
      ),
      h(
        "dl",
        { class: "facts" },
        t.fee !== undefined
          ? [
              h("dt", null, "fee"),
              h("dd", null, `${coins(t.fee)} coins (${t.feeRate} units/byte): inputs minus outputs, kept by the miner`),
            ]
          : null,
        [h("dt", null, "size"), h("dd", null, `${t.size} bytes`)],
        t.locktime ? [h("dt", null, "locktime"), h("dd", null, `not before block #${t.locktime}`)] : null,
        s.in === "pool"
          ? [
              h("dt", null, "waits for"),
              h("dd", null, s.parents.length ? s.parents.map((p) => [txLink(p), " "]) : "nothing: all its inputs are confirmed"),
              h("dt", null, "waited on by"),
              h("dd", null, s.children.length ? s.children.map((c) => [txLink(c), " "]) : "nobody yet"),
            ]
          : null,
      ),
      t.hex ? h("details", null, h("summary", null, "raw bytes (hex)"), h("p", { class: "mono wrap small" }, t.hex)) : null,
    );
  }

  return { el, update };
}
