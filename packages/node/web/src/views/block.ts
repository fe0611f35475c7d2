import { api, type BlockCoin, type BlockCoins } from "../api.js";
import type { AppState, View } from "../app.js";
import { clock, coins, coinsText, h, link, listTable, num, reasonLine, replace, short } from "../dom.js";

const TX_PAGE = 50;

/** One block: its header, where it stands (best chain or side branch) and its transactions, a page at a time. */
/**
 * The UTXO set changes one block at a time: the coins this block consumed (gone from the set)
 * and the coins it created (added to it), each with its owner.
 */
function coinsSection(state: AppState, c: BlockCoins): HTMLElement {
  const coin = (x: BlockCoin, kind: "gone" | "new") =>
    h(
      "div",
      {
        class: `coin ${kind === "gone" ? "gone" : x.coinbase ? "new" : ""}`,
        "data-testid": kind === "gone" ? "coin-consumed" : "coin-created",
      },
      h("div", { class: "coin-value" }, x.value !== undefined ? coinsText(x.value) : "?"),
      h("div", null, kind === "gone" ? "was owned by " : "owned by ", state.addressLink(x.address)),
      h(
        "div",
        { class: "muted" },
        link(`#/tx/${x.txid}`, h("span", { class: "mono" }, `${short(x.txid, 8)}:${x.vout}`)),
        kind === "new"
          ? x.spent
            ? x.spent.in === "chain"
              ? ` · spent since, in #${x.spent.height}`
              : " · being spent by a waiting payment"
            : " · still unspent"
          : x.coinbase
            ? " · a mining reward"
            : "",
      ),
    );
  return h(
    "div",
    { class: "block-coins", "data-testid": "block-coins" },
    h("h3", null, "Coins: what this block did to the UTXO set"),
    h(
      "p",
      { class: "muted" },
      "Every block removes the coins its transactions spend and adds the coins they create. A balance is the sum of the coins an address owns right now: the node never stores it as a number.",
    ),
    h(
      "div",
      { class: "coin-flow" },
      h(
        "div",
        null,
        h("h3", null, `Consumed: ${c.consumedCount} coin${c.consumedCount === 1 ? "" : "s"}, ${coinsText(c.consumedTotal)}`),
        c.consumed.length
          ? c.consumed.map((x) => coin(x, "gone"))
          : h("p", { class: "muted" }, "none: only the mining reward, which spends nothing"),
      ),
      h(
        "div",
        null,
        h("h3", null, `Created: ${c.createdCount} coin${c.createdCount === 1 ? "" : "s"}, ${coinsText(c.createdTotal)}`),
        c.created.map((x) => coin(x, "new")),
      ),
    ),
    c.consumedCount + c.createdCount > c.consumed.length + c.created.length
      ? h("p", { class: "muted" }, "Only the first 400 of each are shown.")
      : null,
  );
}

export function blockView(state: AppState, id: string, offset: number): View {
  const el = h("section", { class: "view block-view", "data-testid": "block-view" });

  async function update(): Promise<void> {
    const b = await api.block(id, offset);
    const coinsOf = b.hasBody && offset === 0 ? await api.blockCoins(b.hash).catch(() => undefined) : undefined;
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
      h(
        "div",
        { class: "view-head" },
        h("h2", null, `Block #${b.height}`),
        where,
        b.hasBody && b.height > 0
          ? link(`#/tamper/${b.active ? b.height : b.hash}`, "Tamper with this block", { class: "button", "data-testid": "tamper-link" })
          : null,
      ),
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
        ? listTable(
            ["txid", "inputs → outputs", num("paid out"), num("fee")],
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
          )
        : h("p", { class: "muted" }, "The node keeps only the header of this block: it broke a rule, so its body was never stored."),
      coinsOf ? coinsSection(state, coinsOf) : null,
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
