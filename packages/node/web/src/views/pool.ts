import { api } from "../api.js";
import type { View } from "../app.js";
import { ago, coins, h, link, listTable, num, replace, short } from "../dom.js";

const PAGE = 50;

const txLink = (id: string) => link(`#/tx/${id}`, h("span", { class: "mono" }, short(id, 10)), { title: id });

/** The pool: transactions waiting for a block, what they pay per byte and which ones depend on which. */
export function poolView(offset: number): View {
  const el = h("section", { class: "view pool-view", "data-testid": "pool-view" });

  async function update(): Promise<void> {
    const p = await api.mempool(offset);
    replace(
      el,
      h(
        "div",
        { class: "view-head" },
        h("h2", null, `Waiting transactions: ${p.count}`),
        h("span", { class: "muted" }, `${p.bytes.toLocaleString()} bytes · ${coins(p.totalFees)} coins of fees for the next miners`),
      ),
      p.count === 0
        ? h(
            "p",
            { class: "empty" },
            "The pool is empty: every transaction the node accepted is in a block. Send one from “Try to break it”.",
          )
        : listTable(
            [
              "txid",
              num("fee rate (units/byte)"),
              num("fee (coins)"),
              num("size"),
              "waits for (parents)",
              "waited on by (children)",
              "arrived",
            ],
            p.txs.map((t) =>
              h(
                "tr",
                { "data-testid": "pool-tx", "data-txid": t.txid },
                h("td", null, txLink(t.txid)),
                h("td", { class: "num strong" }, t.feeRate),
                h("td", { class: "num" }, coins(t.fee)),
                h("td", { class: "num" }, t.size),
                h("td", null, t.parents.length ? t.parents.map((x) => [txLink(x), " "]) : h("span", { class: "muted" }, "none")),
                h("td", null, t.children.length ? t.children.map((x) => [txLink(x), " "]) : h("span", { class: "muted" }, "none")),
                h("td", null, ago(t.time)),
              ),
            ),
          ),
      h(
        "div",
        { class: "pager" },
        offset > 0 ? link(`#/pool/${Math.max(0, offset - PAGE)}`, "◀ Newer", { class: "button" }) : null,
        p.count > offset + PAGE ? link(`#/pool/${offset + PAGE}`, "Older ▶", { class: "button" }) : null,
      ),
      h(
        "p",
        { class: "note" },
        "A miner picks the highest fee rates first. A transaction may spend the output of another waiting one (its parent): then both must go in the same block or the parent first.",
      ),
    );
  }

  return { el, update };
}
