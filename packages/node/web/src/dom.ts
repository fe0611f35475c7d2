import { COIN } from "@utxolab/core";

export type Child = Node | string | number | bigint | null | undefined | false | Child[];
type Attr = string | number | boolean | null | undefined | ((e: Event) => void);

/** Builds an element; text always goes in as text, never as HTML, so nothing a peer sends can inject markup. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, Attr> | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Units (bigint or a JSON decimal string) as coins with thousands separators: "1,000.5". */
export function coins(units: bigint | string | null | undefined): string {
  if (units === null || units === undefined) return "?";
  const v = typeof units === "bigint" ? units : BigInt(units);
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole = (a / COIN).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = (a % COIN).toString().padStart(8, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

export const short = (hash: string, n = 10): string => (hash.length > n + 4 ? `${hash.slice(0, n)}…` : hash);
export const shortAddr = (a: string): string => (a.length > 20 ? `${a.slice(0, 12)}…${a.slice(-6)}` : a);

export function clock(unix: number): string {
  const d = new Date(unix * 1000);
  const today = new Date().toDateString() === d.toDateString();
  const t = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  return today ? t : `${d.toISOString().slice(0, 10)} ${t}`;
}

export function ago(unix: number): string {
  const s = Math.max(0, Math.floor(Date.now() / 1000 - unix));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} days ago`;
}

export const link = (href: string, text: Child, attrs: Record<string, Attr> = {}) => h("a", { href, ...attrs }, text);

/** "1 coin", "2.5 coins": a count of coins with the right word. */
export const coinsText = (units: bigint | string): string => {
  const v = typeof units === "bigint" ? units : BigInt(units);
  return `${coins(v)} ${v === COIN ? "coin" : "coins"}`;
};

/** "1 unit", "546 units". */
export const unitsText = (units: bigint | string | number): string => `${units} ${String(units) === "1" ? "unit" : "units"}`;

/** Refusals whose numbers are amounts in units (SPEC §6, §7): the page shows them in coins too. */
const AMOUNT_REASONS = new Set([
  "bad-txns-in-belowout",
  "bad-txns-vout-toolarge",
  "bad-txns-txouttotal-toolarge",
  "bad-txns-inputvalues-outofrange",
  "bad-cb-amount",
  "dust",
  "min-relay-fee-not-met",
]);
const AMOUNT = /\b(in|out|value|total|claims|subsidy|fees|fee|pays|limit|least|MAX_MONEY|<)\s+([0-9]+)\b/g;

/** Every amount a refusal's detail names, in coins: "in 1,000 coins, out 1,001 coins". */
export function amountsInCoins(reason: string, detail: string | undefined): string | undefined {
  if (!detail || !AMOUNT_REASONS.has(reason)) return undefined;
  const parts: string[] = [];
  for (const m of detail.matchAll(AMOUNT)) {
    const word = m[1] === "<" ? "needed" : m[1] === "limit" ? "dust limit" : m[1] === "least" ? "add at least" : m[1];
    parts.push(`${word} ${coinsText(m[2])}`);
  }
  return parts.length ? parts.join(", ") : undefined;
}

/** A refusal as the node says it: the stable code, then the numbers (in units), then the same amounts in coins. */
export function reasonLine(reason: string, detail?: string): HTMLElement {
  // the node counts in units; a newcomer reads coins
  const inCoins = amountsInCoins(reason, detail);
  return h(
    "span",
    { class: "reason-line" },
    h("code", { class: "reason" }, reason),
    detail ? h("span", { class: "detail" }, `: ${detail}`) : null,
    inCoins ? h("span", { class: "muted in-coins", "data-testid": "in-coins" }, ` (units; in coins: ${inCoins})`) : null,
  );
}

/** A column of a list table: its heading, or `num(heading)` for a right-aligned column of numbers. */
export type Column = string | { readonly title: string; readonly num: true };
export const num = (title: string): Column => ({ title, num: true });

/** The page's one list table: a heading row from `columns`, then the rows (built `<tr>`s). */
export function listTable(columns: readonly Column[], ...rows: Child[]): HTMLTableElement {
  const head = columns.map((c) => (typeof c === "string" ? h("th", null, c) : h("th", { class: "num" }, c.title)));
  return h("table", { class: "list" }, h("thead", null, h("tr", null, head)), h("tbody", null, rows));
}
