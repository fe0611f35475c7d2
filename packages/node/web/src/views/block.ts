import { api } from "../api.js";
import type { View } from "../app.js";
import { clock, coins, h, link, reasonLine, replace, short } from "../dom.js";

const TX_PAGE = 50;

/** One block: its header, where it stands (best chain or side branch) and its transactions, a page at a time. */
export function blockView(id: string, offset: number): View {
  const el = h("section", { class: "view block-view", "data-testid": "block-view" });

  async function update(): Promise<void> {
    const b = await api.block(id, offset);
    const where = b.active
      ? h("span", { class: "badge ok" }, `best chain · ${b.confirmations} confirmation${b.confirmations === 1 ? "" : "s"}`)
      : b.status === "invalid"
        ? h("span", { class: "badge bad" }, "invalid ", h("code", null, b.invalidReason ?? ""))
        : h("span", { class: "badge warn" }, "side branch: not on the best chain");
    const facts: [string, unknown][] = [
      ["hash", h("span", { class: "mono wrap" }, b.hash)],
      [
        "previous block",
        b.height > 0 ? link(`#/block/${b.prevHash}`, h("span", { class: "mono" }, short(b.prevHash, 16))) : "none (genesis)",
      ],
      ["next block", b.nextHash ? link(`#/block/${b.nextHash}`, h("span", { class: "mono" }, short(b.nextHash, 16))) : "none yet"],
      ["time", clock(b.time)],
      ["transactions", b.txCount],
      ["size", `${b.size.toLocaleString()} bytes`],
      ["fees", b.fees === null ? "unknown (the node never connected this block)" : `${coins(b.fees)} coins`],
      [
        "reward claimed",
        b.reward !== undefined
          ? `${coins(b.reward)} coins (a miner may claim at most the subsidy of ${coins(b.subsidy)} plus the fees)`
          : "?",
      ],
      ["merkle root", h("span", { class: "mono wrap" }, b.merkleRoot)],
      ["bits / nonce", `0x${b.bits.toString(16)} / ${b.nonce}`],
    ];
    const more = b.txCount > offset + TX_PAGE;
    replace(
      el,
      h("div", { class: "view-head" }, h("h2", null, `Block #${b.height}`), where),
      b.invalidReason
        ? h(
            "div",
            { class: "refusal" },
            h("div", { class: "refusal-code" }, "Refused: ", reasonLine(b.invalidReason, b.invalidDetail)),
            b.invalidPlain ? h("div", { class: "plain" }, b.invalidPlain) : null,
          )
        : null,
      h(
        "dl",
        { class: "facts" },
        facts.map(([k, v]) => [h("dt", null, k), h("dd", null, v as Node | string)]),
      ),
      h("h3", null, `Transactions ${b.txCount > TX_PAGE ? `${offset + 1}–${Math.min(b.txCount, offset + TX_PAGE)} of ${b.txCount}` : ""}`),
      b.hasBody
        ? h(
            "table",
            { class: "list" },
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                h("th", null, "txid"),
                h("th", null, "inputs → outputs"),
                h("th", { class: "num" }, "paid out"),
                h("th", { class: "num" }, "fee"),
              ),
            ),
            h(
              "tbody",
              null,
              b.txs.map((t) =>
                h(
                  "tr",
                  null,
                  h(
                    "td",
                    null,
                    link(`#/tx/${t.txid}`, h("span", { class: "mono" }, short(t.txid, 16))),
                    t.coinbase ? h("span", { class: "badge" }, "coinbase: new coins") : null,
                  ),
                  h("td", null, `${t.coinbase ? "reward" : t.inputs} → ${t.outputs}`),
                  h("td", { class: "num" }, coins(t.valueOut)),
                  h("td", { class: "num" }, t.coinbase ? "" : t.fee !== undefined ? coins(t.fee) : "?"),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, "The node keeps only the header of this block: it broke a rule, so its body was never stored."),
      h(
        "div",
        { class: "pager" },
        offset > 0 ? link(`#/block/${b.hash}/${Math.max(0, offset - TX_PAGE)}`, "◀ Previous transactions", { class: "button" }) : null,
        more ? link(`#/block/${b.hash}/${offset + TX_PAGE}`, "More transactions ▶", { class: "button" }) : null,
      ),
    );
  }

  return { el, update };
}
