import "./style.css";
import { ApiError, api, type DemoNote, type LiveMessage } from "./api.js";
import { AppState, type View } from "./app.js";
import { clock, coins, h, link, reasonLine, replace, short } from "./dom.js";
import { LiveFeed, type LiveState } from "./live.js";
import { accountsView, addressView } from "./views/accounts.js";
import { blockView } from "./views/block.js";
import { chainView } from "./views/chain.js";
import { miningControls } from "./views/mining.js";
import { poolView } from "./views/pool.js";
import { refusalsView } from "./views/refusals.js";
import { replayView } from "./views/replay.js";
import { tamperView } from "./views/tamper.js";
import { tryView } from "./views/try.js";
import { txView } from "./views/tx.js";

const FEED_LINES = 12;

const state = new AppState();
const app = document.getElementById("app") as HTMLElement;

const status = h("span", { class: "live connecting", "data-testid": "live" }, "connecting");
const summary = h("div", { class: "summary" });
const nav = h("nav", null);
const main = h("main", { id: "main" });
const feed = h(
  "ol",
  { class: "feed", "data-testid": "feed" },
  h("li", { class: "ev quiet" }, "Blocks, payments and refusals appear here as they happen."),
);
const search = h("input", { type: "search", placeholder: "height, hash, txid or address", "aria-label": "search", class: "search" });

const TABS: [string, string][] = [
  ["#/", "Chain"],
  ["#/pool", "Pool"],
  ["#/accounts", "Accounts"],
  ["#/refused", "Refused"],
  ["#/tamper", "Tamper"],
  ["#/try", "Try to break it"],
  ["#/replay", "Replay a simulation"],
];

const layout = h("div", { class: "layout" }, main, h("aside", null, h("h2", null, "Live"), feed));
const demoBanner = h("div", { class: "demo-banner", "data-testid": "demo-banner", role: "status", hidden: true });
const mining = miningControls(state);

/** The banner a running `utxolab demo` keeps up to date: which demo, which step, what it does. */
function showDemo(d: DemoNote | null): void {
  if (!d || d.done) {
    demoBanner.hidden = true;
    return;
  }
  demoBanner.hidden = false;
  replace(demoBanner, h("strong", null, `demo ${d.name}`), ` — step ${d.step}/${d.total}: `, d.text);
}

let view: View | undefined;
let route = "";

function renderSummary(): void {
  const i = state.info;
  if (!i) return;
  replace(
    summary,
    h("span", { class: "stat" }, h("span", { class: "muted" }, "height "), h("strong", { "data-testid": "height" }, i.height)),
    h(
      "span",
      { class: "stat" },
      h("span", { class: "muted" }, "tip "),
      link(`#/block/${i.bestHash}`, h("span", { class: "mono" }, short(i.bestHash, 10))),
    ),
    h("span", { class: "stat" }, h("span", { class: "muted" }, "pool "), h("strong", null, i.mempool.count), " tx"),
    h("span", { class: "stat" }, h("span", { class: "muted" }, "peers "), h("strong", null, i.peers)),
  );
}

function renderNav(): void {
  const current = location.hash || "#/";
  replace(
    nav,
    TABS.filter(([href]) => href !== "#/try" || state.info?.devnet).map(([href, text]) => {
      const active =
        href === "#/"
          ? current === "#/" || current.startsWith("#/chain") || current.startsWith("#/block")
          : current.startsWith(href) || (href === "#/accounts" && current.startsWith("#/address"));
      return link(href, text, { class: active ? "tab active" : "tab", "data-testid": `tab-${href.slice(2) || "chain"}` });
    }),
    search,
  );
}

function viewFor(hash: string): View {
  const [, name = "", arg = "", extra = ""] = hash.replace(/^#/, "").split("/");
  const num = (s: string) => (/^[0-9]{1,10}$/.test(s) ? Number(s) : 0);
  // a hand-typed hash may hold a broken %-escape: pass it on as typed and let the node say what is wrong
  const text = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  switch (name) {
    case "chain":
      return chainView(state, /^[0-9]{1,10}$/.test(arg) ? Number(arg) : undefined);
    case "block":
      return blockView(state, text(arg), num(extra));
    case "tx":
      return txView(state, text(arg));
    case "pool":
      return poolView(num(arg));
    case "accounts":
      return accountsView(state);
    case "address":
      return addressView(state, text(arg));
    case "refused":
      return refusalsView();
    case "try":
      return tryView(state);
    case "tamper":
      return tamperView(state, arg === "" ? undefined : text(arg));
    case "replay":
      return replayView();
    default:
      return chainView(state, undefined);
  }
}

function problem(e: unknown): HTMLElement {
  const msg = e instanceof ApiError ? e.message : `unexpected error: ${(e as Error).message}`;
  return h(
    "div",
    { class: "banner error", role: "alert" },
    h("strong", null, e instanceof ApiError && e.status === 404 ? "Not found. " : "Problem. "),
    msg,
  );
}

let running: Promise<void> | undefined;
let again = false;

/** Re-reads the node for the summary and the current view; calls that arrive meanwhile fold into one more pass. */
async function refresh(): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      const v = view;
      try {
        const [info] = await Promise.all([api.info(), v?.update(), mining.update()]);
        state.setInfo(info);
        renderSummary();
      } catch (e) {
        if (v === view && v) replace(v.el, problem(e));
      }
    } while (again);
  })();
  try {
    await running;
  } finally {
    running = undefined;
  }
}

async function navigate(): Promise<void> {
  const hash = location.hash || "#/";
  if (hash === route && view) return;
  route = hash;
  renderNav();
  view = viewFor(hash);
  // the panel shows the node's answers itself and needs the width for them
  layout.classList.toggle("wide", hash.startsWith("#/try") || hash.startsWith("#/tamper") || hash.startsWith("#/replay"));
  replace(main, view.el);
  await refresh();
  main.dataset.ready = "true";
}

let timer: ReturnType<typeof setTimeout> | undefined;
function soon(): void {
  if (timer) return;
  timer = setTimeout(() => {
    timer = undefined;
    void refresh();
  }, 150);
}

function feedLine(m: LiveMessage): HTMLElement | null {
  const e = m.event;
  const t = h("span", { class: "muted" }, clock(m.time), " ");
  switch (e.type) {
    case "block":
      return h(
        "li",
        { class: "ev block" },
        t,
        "block ",
        link(`#/block/${e.hash}`, `#${e.height}`),
        ` · ${e.txs} tx · fees ${coins(e.fees)}`,
      );
    case "block-disconnected":
      return h(
        "li",
        { class: "ev gone" },
        t,
        `block #${e.height} `,
        h("span", { class: "mono" }, short(e.hash, 8)),
        " left the best chain",
      );
    case "reorg":
      return h("li", { class: "ev reorg" }, t, h("strong", null, "reorganization"), ` to #${e.to.height}, depth ${e.depth}`);
    case "tx":
      return h(
        "li",
        { class: "ev tx" },
        t,
        "tx ",
        link(`#/tx/${e.txid}`, h("span", { class: "mono" }, short(e.txid, 8))),
        ` accepted (${e.source})`,
      );
    case "tx-rejected":
      return h("li", { class: "ev refused" }, t, `tx refused (${e.source}): `, reasonLine(e.reason, e.detail));
    case "block-rejected":
      return h("li", { class: "ev refused" }, t, `block refused (${e.source}): `, reasonLine(e.reason, e.detail));
    case "tx-removed":
      return h("li", { class: "ev gone" }, t, "tx ", h("span", { class: "mono" }, short(e.txid, 8)), ` left the pool (${e.why})`);
    case "peer":
      return h("li", { class: "ev" }, t, e.line);
    case "mining":
      return h("li", { class: "ev" }, t, e.line);
    case "demo":
      return e.done ? h("li", { class: "ev" }, t, `demo ${e.name} finished`) : null;
    case "info":
      return null;
  }
}

function onLive(m: LiveMessage): void {
  state.track(m.event, m.time);
  if (m.event.type === "demo") showDemo(m.event);
  if (m.event.type === "mining") void mining.update();
  const line = feedLine(m);
  if (line) {
    feed.querySelector(".quiet")?.remove();
    feed.prepend(line);
    while (feed.children.length > FEED_LINES) feed.lastElementChild?.remove();
  }
  soon();
}

function setLive(s: LiveState): void {
  status.className = `live ${s}`;
  status.textContent = s === "live" ? "live" : s === "connecting" ? "connecting…" : "node lost: retrying";
}

search.addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  const q = search.value.trim();
  if (/^[0-9]{1,10}$/.test(q)) location.hash = `#/block/${q}`;
  else if (/^[0-9a-fA-F]{64}$/.test(q)) {
    const id = q.toLowerCase();
    api.block(id).then(
      () => {
        location.hash = `#/block/${id}`;
      },
      () => {
        location.hash = `#/tx/${id}`;
      },
    );
  } else if (q) location.hash = `#/address/${q}`;
});

replace(
  app,
  h(
    "header",
    null,
    h("div", { class: "brand" }, h("h1", null, "UTXOLab"), h("span", { class: "network", "data-testid": "network" }, "devnet"), status),
    summary,
  ),
  nav,
  mining.el,
  demoBanner,
  layout,
);

window.addEventListener("hashchange", () => void navigate());

async function boot(): Promise<void> {
  try {
    state.setInfo(await api.info());
  } catch (e) {
    replace(main, problem(e));
  }
  const net = app.querySelector("[data-testid=network]");
  if (net && state.info) net.textContent = state.info.network;
  renderSummary();
  new LiveFeed(onLive, setLive, () => {
    soon();
    void api.demo().then(showDemo, () => undefined);
  }).start();
  void api.demo().then(showDemo, () => undefined);
  void mining.update();
  await navigate();
}

void boot();
