import { api, type ReasonText } from "../api.js";
import type { View } from "../app.js";
import { clock, h, reasonLine, replace, short } from "../dom.js";

const KIND: Record<string, string> = {
  decoding: "Unreadable bytes",
  tx: "Transaction, checked on its own",
  "tx-context": "Transaction, checked against the unspent coins",
  block: "Block",
  policy: "Pool policy (this node's choice, not consensus)",
};

let reasons: Promise<ReasonText[]> | undefined;

/** Every refused transaction and block the node saw, with the rule's code, its numbers and plain words. */
export function refusalsView(): View {
  const el = h("section", { class: "view refusals-view", "data-testid": "refusals-view" });
  const list = h("div", { class: "refusals" });
  const glossary = h("details", { class: "glossary" }, h("summary", null, "Every reason the node can give, in plain words"));
  el.append(
    h(
      "div",
      { class: "view-head" },
      h("h2", null, "Refused: what the node said no to"),
      h("span", { class: "muted" }, "newest first, since the node started"),
    ),
    list,
    glossary,
  );
  reasons ??= api.reasons();
  reasons.then(
    (all) => {
      const groups = new Map<string, ReasonText[]>();
      for (const r of all) groups.set(r.kind, [...(groups.get(r.kind) ?? []), r]);
      for (const [kind, rs] of groups) {
        glossary.append(
          h("h3", null, KIND[kind] ?? kind),
          h(
            "table",
            { class: "list" },
            h(
              "tbody",
              null,
              rs.map((r) => h("tr", null, h("td", null, h("code", { class: "reason" }, r.reason)), h("td", null, r.plain))),
            ),
          ),
        );
      }
    },
    () => glossary.append(h("p", { class: "error" }, "The list of reasons could not be loaded.")),
  );

  async function update(): Promise<void> {
    const items = await api.refusals();
    replace(
      list,
      items.length === 0
        ? h("p", { class: "empty" }, "Nothing refused yet. Go to “Try to break it” and try to spend money you do not have.")
        : items.map((r) =>
            h(
              "div",
              { class: "refusal", "data-testid": "refusal", "data-reason": r.reason },
              h(
                "div",
                { class: "refusal-head" },
                h("span", { class: "badge bad" }, r.kind === "tx" ? "transaction" : "block"),
                // a refused transaction is kept nowhere, so its id is shown, not linked
                r.id ? h("span", { class: "mono", title: r.id }, short(r.id, 12)) : null,
                h("span", { class: "muted" }, ` from ${r.source} at ${clock(r.time)}`),
              ),
              h("div", { class: "refusal-code" }, reasonLine(r.reason, r.detail)),
              h("div", { class: "plain" }, r.plain),
            ),
          ),
    );
  }

  return { el, update };
}
