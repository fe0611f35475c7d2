import { api, type BlockCard, type ChainPage } from "../api.js";
import type { AppState, View } from "../app.js";
import { clock, coins, h, link, replace, short } from "../dom.js";

const PAGE = 20;

function statusText(c: BlockCard): string {
  if (c.active) return "best chain";
  if (c.status === "invalid") return "invalid";
  if (c.status === "valid") return "side branch (was best)";
  return "side branch";
}

function card(state: AppState, c: BlockCard, parentOnBest: boolean): HTMLElement {
  const cls = ["card", c.active ? "best" : "side", c.status === "invalid" ? "invalid" : ""];
  if (state.joinedBest.has(c.hash)) cls.push("reorg-joined");
  if (state.leftBest.has(c.hash)) cls.push("reorg-left");
  return h(
    "a",
    {
      class: cls.join(" "),
      href: `#/block/${c.hash}`,
      "data-testid": "block-card",
      "data-height": c.height,
      "data-hash": c.hash,
      "data-active": c.active ? "true" : "false",
      title: c.hash,
    },
    h("div", { class: "card-top" }, h("span", { class: "height" }, `#${c.height}`), h("span", { class: "mono hash" }, short(c.hash, 12))),
    c.height > 0
      ? h(
          "div",
          { class: "card-link", "data-testid": "card-link", title: `previous block ${c.prevHash}` },
          `↓ links to #${c.height - 1}: ${short(c.prevHash, 10)}`,
        )
      : h("div", { class: "card-link" }, "genesis: links to nothing"),
    h(
      "div",
      { class: "card-facts" },
      h("span", null, clock(c.time)),
      h("span", null, `${c.txCount} tx`),
      h("span", null, c.fees === null ? "fees —" : `fees ${coins(c.fees)}`),
    ),
    c.active
      ? null
      : h(
          "div",
          { class: "card-status" },
          statusText(c),
          c.invalidReason ? [" ", h("code", { class: "reason", title: c.invalidDetail ?? "" }, c.invalidReason)] : null,
          parentOnBest ? h("span", { class: "muted" }, ` · forks off #${c.height - 1}`) : null,
        ),
  );
}

function reorgBanner(state: AppState): HTMLElement | null {
  const r = state.lastReorg;
  if (!r) return null;
  return h(
    "div",
    { class: "banner reorg", "data-testid": "reorg-banner", role: "status" },
    h("strong", null, "Reorganization! "),
    `The node switched to a branch with more work: the best chain went from #${r.from.height} (${short(r.from.hash)}) to #${r.to.height} (${short(r.to.hash)}). `,
    `${r.depth} block${r.depth === 1 ? "" : "s"} above the fork at #${r.fork.height} left the best chain; `,
    "their transactions went back to the pool unless the new branch spends the same coins. ",
    h("span", { class: "muted" }, `(${clock(r.at)})`),
  );
}

/** The best chain as cards, newest first, a page at a time, with other branches beside it. */
export function chainView(state: AppState, from: number | undefined): View {
  const el = h("section", { class: "view chain-view" });
  const head = h("div", { class: "view-head" });
  const banner = h("div");
  const rows = h("div", { class: "rows", "data-testid": "chain" });
  el.append(head, banner, rows);
  let page: ChainPage | undefined;

  const jump = h("input", {
    type: "text",
    inputmode: "numeric",
    placeholder: "height",
    "aria-label": "go to height",
    size: 7,
    "data-testid": "jump",
  });
  const jumpMsg = h("span", { class: "error", "data-testid": "jump-msg", role: "alert" });
  const go = () => {
    const v = jump.value.trim();
    if (/^[0-9]{1,10}$/.test(v)) {
      replace(jumpMsg);
      location.hash = `#/chain/${v}`;
    } else replace(jumpMsg, `“${v}” is not a height: type a block number, e.g. 12`);
  };
  jump.addEventListener("keydown", (e) => {
    if (e.key === "Enter") go();
  });

  async function update(): Promise<void> {
    page = await api.blocks(from, PAGE);
    const atTip = from === undefined || page.from >= page.tip;
    const newer = page.tip - page.from;
    replace(
      head,
      h("h2", null, atTip ? "The chain, newest first" : `The chain from #${page.from} down`),
      h(
        "div",
        { class: "pager" },
        atTip
          ? null
          : link("#/", newer > 0 ? `${newer} newer block${newer === 1 ? "" : "s"}: back to the newest` : "Newest", { class: "button" }),
        !atTip ? link(`#/chain/${Math.min(page.tip, page.from + PAGE)}`, "◀ Newer", { class: "button" }) : null,
        page.to > 0 ? link(`#/chain/${page.to - 1}`, "Older ▶", { class: "button", "data-testid": "older" }) : null,
        jump,
        h("button", { type: "button", onclick: go, "data-testid": "jump-go" }, "Go"),
        jumpMsg,
      ),
    );
    replace(banner, reorgBanner(state));
    const bestAt = new Map(page.best.map((c) => [c.height, c]));
    const sideAt = new Map<number, BlockCard[]>();
    for (const s of page.side) sideAt.set(s.height, [...(sideAt.get(s.height) ?? []), s]);
    const aboveTip = [...sideAt.keys()].filter((height) => height > page!.from).sort((a, b) => b - a);
    replace(
      rows,
      aboveTip.map((height) =>
        h(
          "div",
          { class: "row forked" },
          h(
            "div",
            { class: "card placeholder" },
            h("span", { class: "height" }, `#${height}`),
            h("div", { class: "muted" }, "no block of the best chain here"),
          ),
          (sideAt.get(height) ?? []).map((s) => card(state, s, bestAt.get(s.height - 1)?.hash === s.prevHash)),
        ),
      ),
      page.best.map((c) => {
        const side = sideAt.get(c.height) ?? [];
        return h(
          "div",
          { class: `row${side.length ? " forked" : ""}` },
          card(state, c, false),
          side.map((s) => card(state, s, bestAt.get(s.height - 1)?.hash === s.prevHash)),
        );
      }),
      page.sideOmitted > 0
        ? h("p", { class: "muted" }, `${page.sideOmitted} more side-branch blocks at these heights are not shown.`)
        : null,
      page.to > 0
        ? null
        : h(
            "p",
            { class: "muted end" },
            "Genesis: the first block, fixed by the network. Its ten outputs pay 1,000 coins to each devnet account.",
          ),
    );
  }

  return { el, update };
}
