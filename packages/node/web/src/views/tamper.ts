import {
  type Amount,
  type Block,
  type BlockHeader,
  bitsToTarget,
  bytesToHex,
  checkProofOfWork,
  decodeAddress,
  decodeBlock,
  devnetAccounts,
  encodeAddress,
  encodeBlock,
  headerHashNoMemo,
  makeCoinbase,
  merkleRoot,
  networkByName,
  parseCoins,
  searchNonce,
  subsidyAt,
  type Transaction,
  txid,
} from "@utxolab/core";
import { ApiError, api, type BlockAnswer } from "../api.js";
import type { AppState, View } from "../app.js";
import { type Child, coinsText, h, link, reasonLine, replace, short } from "../dom.js";

/** later blocks shown after the tampered one: enough to see the breakage ripple, few enough for one screen */
const LATER = 3;
const TXS_SHOWN = 3;
const OUTPUTS_SHOWN = 4;
/** nonces tried between two paints, so the page stays responsive while it mines */
const NONCES_PER_SLICE = 2000;

interface Slot {
  /** the block as the node has it */
  readonly orig: Block;
  readonly origHash: string;
  readonly origTxids: string[];
  txs: Transaction[];
  header: BlockHeader;
  /** appended by "add a block on top": it has no original */
  extra?: boolean;
}

interface Derived {
  txids: string[];
  changedTxs: number[];
  root: string;
  rootChanged: boolean;
  /** the header as the transactions now require it: their merkle root */
  header: BlockHeader;
  hash: string;
  pow: boolean;
  /** this block's prevHash is the hash of the block before it, as that one now stands */
  link: boolean;
}

const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));

/**
 * Tamper with history: change an output of a confirmed block in the browser and watch the txid,
 * the merkle root, the block hash, its proof of work and the next block's link break; re-mine
 * them here (the devnet target is easy) and send them to the node to see what it makes of them.
 */
export function tamperView(state: AppState, id: string | undefined): View {
  const el = h("section", { class: "view tamper-view", "data-testid": "tamper-view" });
  const params = networkByName(state.info?.network ?? "devnet");
  const keys = devnetAccounts();
  const hrp = state.info?.params.hrp ?? "lab";
  let slots: Slot[] = [];
  let loaded = false;
  let mining = false;

  const heightBox = h("input", {
    type: "text",
    inputmode: "numeric",
    size: 7,
    "aria-label": "block height to tamper with",
    "data-testid": "tamper-height",
  });
  const pickMsg = h("span", { class: "error", "data-testid": "tamper-pick-msg" });
  const editor = h("div", { class: "tamper-editor", "data-testid": "tamper-editor" });
  const strip = h("div", { class: "tamper-strip", "data-testid": "tamper-strip" });
  const actions = h("div", { class: "pager" });
  const result = h("div", { class: "tamper-result", "data-testid": "tamper-result", "aria-live": "polite" });

  const go = () => {
    const v = heightBox.value.trim();
    if (!/^[0-9]{1,10}$/.test(v)) {
      replace(pickMsg, `“${v}” is not a block height: type digits only, e.g. 1`);
      return;
    }
    replace(pickMsg);
    location.hash = `#/tamper/${v}`;
  };
  heightBox.addEventListener("keydown", (e) => e.key === "Enter" && go());

  function derive(): Derived[] {
    const out: Derived[] = [];
    slots.forEach((s, i) => {
      const txids = s.txs.map(txid);
      const root = merkleRoot(txids);
      const header = { ...s.header, merkleRoot: root };
      const hash = headerHashNoMemo(header);
      const prev = out[i - 1];
      out.push({
        txids,
        changedTxs: txids.flatMap((t, k) => (t !== s.origTxids[k] ? [k] : [])),
        root,
        rootChanged: root !== s.orig.header.merkleRoot,
        header,
        hash,
        pow: checkProofOfWork(hash, header.bits, params?.powLimit ?? 0n),
        link: prev ? header.prevHash === prev.hash : true,
      });
    });
    return out;
  }

  /** Share of all hashes that meet the target: why devnet's proof of work is so quick to redo. */
  function targetShare(bits: number): string {
    const t = bitsToTarget(bits, params?.powLimit ?? 0n);
    if (!t.ok) return "?";
    const share = Number(t.target >> 200n) / 2 ** 56;
    return share >= 0.01 ? `${Math.round(share * 100)}%` : share.toExponential(1);
  }

  const mark = (ok: boolean, good: Child, bad: Child, testid: string) =>
    h(
      "div",
      { class: `link-line ${ok ? "ok" : "broken"}`, "data-testid": testid, "data-ok": ok ? "true" : "false" },
      ok ? "✓ " : "✗ ",
      ok ? good : bad,
    );

  function card(s: Slot, d: Derived, i: number): HTMLElement {
    const height = heightOf(i);
    const changed = d.hash !== s.origHash;
    // re-mined here: the header carries the new merkle root and parent, and a nonce found for them
    const remined = changed && !s.extra && d.pow && d.link && s.header.merkleRoot === d.root && s.header !== s.orig.header;
    const intact = !changed && d.link && d.pow;
    return h(
      "div",
      {
        class: `tamper-card${intact ? "" : " tampered"}`,
        "data-testid": "tamper-card",
        "data-height": height,
        "data-intact": intact ? "true" : "false",
      },
      h(
        "div",
        { class: "card-top" },
        h("span", { class: "height" }, `#${height}`),
        s.extra ? h("span", { class: "badge warn" }, "new block") : null,
      ),
      d.changedTxs.length
        ? mark(
            false,
            "",
            `txid of tx ${d.changedTxs.join(", ")} changed: ${short(s.origTxids[d.changedTxs[0]] ?? "", 8)} → ${short(d.txids[d.changedTxs[0]], 8)}`,
            "tamper-txid",
          )
        : mark(true, s.extra ? "transactions: a coinbase paying account 9" : "transactions as the node has them", "", "tamper-txid"),
      mark(
        !d.rootChanged || s.header.merkleRoot === d.root,
        d.rootChanged ? `merkle root recomputed: ${short(d.root, 10)}` : `merkle root ${short(d.root, 10)}`,
        `merkle root changed: ${short(s.orig.header.merkleRoot, 10)} → ${short(d.root, 10)}`,
        "tamper-root",
      ),
      mark(
        !changed || s.extra === true || remined,
        remined ? `re-mined: new block hash ${short(d.hash, 12)}` : `block hash ${short(d.hash, 12)}`,
        `block hash changed: ${short(s.origHash, 10)} → ${short(d.hash, 10)}`,
        "tamper-hash",
      ),
      mark(
        d.pow,
        changed && !s.extra && !remined
          ? `proof of work still holds, by luck: devnet's target lets about ${targetShare(d.header.bits)} of all hashes through (Bitcoin's: about 1 in 10²²)`
          : `proof of work: the hash is below the target (nonce ${d.header.nonce})`,
        "proof of work broken: the new hash is above the target",
        "tamper-pow",
      ),
      i === 0
        ? h("div", { class: "link-line ok muted" }, `↑ links to #${height - 1}, which nobody changed`)
        : mark(
            d.link,
            `↑ links to #${height - 1}: prevHash ${short(d.header.prevHash, 10)} is its hash`,
            `↑ link broken: prevHash ${short(d.header.prevHash, 10)} is the old hash of #${height - 1}, which now hashes to ${short(derivedHash(i - 1), 10)}`,
            "tamper-link",
          ),
      h(
        "button",
        {
          type: "button",
          "data-testid": "tamper-remine",
          disabled: mining || (d.pow && d.link && s.header.merkleRoot === d.root),
          onclick: () => void remine(i, i),
        },
        "Re-mine this block",
      ),
    );
  }

  let lastDerived: Derived[] = [];
  const derivedHash = (i: number) => lastDerived[i]?.hash ?? "";
  const heightOf = (i: number) => (slots[0] ? baseHeight + i : 0);
  let baseHeight = 0;

  function outputEditor(): HTMLElement {
    const s = slots[0];
    if (!s) return h("p", null);
    const rows: HTMLElement[] = [];
    s.txs.slice(0, TXS_SHOWN).forEach((tx, t) => {
      tx.outputs.slice(0, OUTPUTS_SHOWN).forEach((o, n) => {
        const amount = h("input", {
          type: "text",
          value: coinsPlain(o.value),
          "aria-label": `amount of tx ${t} output ${n}`,
          "data-testid": "tamper-amount",
          size: 14,
        });
        const owner = h("select", { "aria-label": `owner of tx ${t} output ${n}`, "data-testid": "tamper-owner" });
        const current = encodeAddress(o.pubkey, hrp);
        if (state.account(current) === undefined) owner.append(h("option", { value: current }, short(current, 14)));
        keys.forEach((k, i) => {
          owner.append(h("option", { value: encodeAddress(k.pubkey, hrp) }, `account ${i}`));
        });
        owner.value = current;
        const msg = h("span", { class: "error" });
        const apply = () => {
          const v = parseCoins(amount.value, "amount");
          if (!v.ok) {
            replace(msg, v.error);
            return;
          }
          const d = decodeAddress(owner.value, hrp);
          if (!d.ok) {
            replace(msg, d.error);
            return;
          }
          replace(msg);
          const was = s.txs[t].outputs[n];
          // a blur after an edit fires "change" again: re-drawing then would swallow the click that caused the blur
          if (was.value === v.value && bytesToHex(was.pubkey) === bytesToHex(d.pubkey)) return;
          const outputs = s.txs[t].outputs.map((x, k) => (k === n ? { value: v.value as Amount, pubkey: d.pubkey } : x));
          s.txs = s.txs.map((x, k) => (k === t ? { ...x, outputs } : x));
          render();
        };
        amount.addEventListener("change", apply);
        owner.addEventListener("change", apply);
        rows.push(
          h(
            "tr",
            null,
            h("td", null, t === 0 ? "coinbase" : `tx ${t}`, ` output ${n}`),
            h("td", null, amount, " coins"),
            h("td", null, "to ", owner),
            h("td", null, msg),
          ),
        );
      });
    });
    return h(
      "table",
      { class: "list tamper-outputs" },
      h("thead", null, h("tr", null, h("th", null, "output"), h("th", null, "amount"), h("th", null, "owner"), h("th", null, ""))),
      h("tbody", null, rows),
    );
  }

  function render(): void {
    lastDerived = derive();
    replace(
      strip,
      slots.map((s, i) => [i > 0 ? h("div", { class: "chain-arrow", "aria-hidden": "true" }, "←") : null, card(s, lastDerived[i], i)]),
    );
    const anyChange = lastDerived.some((d, i) => d.hash !== slots[i].origHash);
    const broken = lastDerived.findIndex((d) => !d.pow || !d.link);
    replace(
      actions,
      h(
        "button",
        {
          type: "button",
          "data-testid": "tamper-remine-all",
          disabled: mining || !anyChange,
          onclick: () => void remine(0, slots.length - 1),
        },
        "Re-mine every block from here",
      ),
      h(
        "button",
        {
          type: "button",
          "data-testid": "tamper-extend",
          disabled: mining || !anyChange || broken >= 0,
          onclick: () => void extend(),
        },
        "Add a block on top (out-mine the chain)",
      ),
      h(
        "button",
        { type: "button", class: "primary", "data-testid": "tamper-send", disabled: mining || !anyChange, onclick: () => void send() },
        "Send to the node",
      ),
      h("button", { type: "button", "data-testid": "tamper-reset", onclick: () => void load() }, "Start over"),
      h(
        "span",
        { class: "muted" },
        broken >= 0 ? `Block #${heightOf(broken)} and every block after it must be mined again before the chain holds together.` : "",
      ),
    );
  }

  /** Searches nonces for blocks from..to in order, each linked to the one before it as it now stands. */
  async function remine(from: number, to: number): Promise<void> {
    mining = true;
    render();
    try {
      for (let i = from; i <= to; i++) {
        const s = slots[i];
        const prevHash = i > 0 ? headerHashNoMemo(slots[i - 1].header) : s.header.prevHash;
        const start: BlockHeader = { ...s.header, merkleRoot: merkleRoot(s.txs.map(txid)), prevHash, nonce: 0 };
        // core's one nonce search, in slices so the page stays responsive
        let search = searchNonce(start, params?.powLimit ?? 0n, NONCES_PER_SLICE);
        while (!search.found) {
          await nextFrame();
          search = searchNonce(search.next, params?.powLimit ?? 0n, NONCES_PER_SLICE);
        }
        const header = search.header;
        s.header = header;
        // the search starts at nonce 0, so the nonce found counts the tries before it
        replace(
          result,
          h("p", { class: "muted" }, `Block #${heightOf(i)} re-mined: nonce ${header.nonce} after ${header.nonce + 1} tries.`),
        );
      }
    } finally {
      mining = false;
      render();
    }
  }

  /** A new block on the tampered branch: one more block of work than the best chain had at that height. */
  async function extend(): Promise<void> {
    const last = slots[slots.length - 1];
    if (!params || !last) return;
    const height = heightOf(slots.length);
    const coinbase = makeCoinbase(
      height,
      [{ value: subsidyAt(height, params), pubkey: keys[9].pubkey }],
      crypto.getRandomValues(new Uint8Array(8)),
    );
    const block: Block = {
      header: {
        ...last.header,
        prevHash: headerHashNoMemo(last.header),
        time: Math.max(last.header.time + 1, Math.floor(Date.now() / 1000)),
        nonce: 0,
      },
      txs: [coinbase],
    };
    slots.push({ orig: block, origHash: "", origTxids: [txid(coinbase)], txs: [...block.txs], header: block.header, extra: true });
    await remine(slots.length - 1, slots.length - 1);
  }

  function answerView(height: number, a: BlockAnswer): HTMLElement {
    const cause = a.cause
      ? h(
          "div",
          { class: "answer refused", "data-testid": "tamper-cause" },
          h("strong", null, `It tried that branch and found block #${a.cause.height} broken: `),
          reasonLine(a.cause.reason, a.cause.detail),
          h("div", { class: "plain" }, a.cause.plain),
        )
      : null;
    return h(
      "div",
      { class: `step ${a.ok ? (a.active ? "accepted" : "side") : "refused"}`, "data-testid": "tamper-answer" },
      h("h3", null, `Block #${height}`),
      a.ok
        ? h(
            "div",
            { class: `answer ${a.active ? "accepted" : "side"}` },
            h("strong", null, a.active ? "On the best chain. " : "Side branch. "),
            a.plain,
          )
        : h(
            "div",
            { class: "answer refused" },
            h("strong", null, "The node refused it: "),
            reasonLine(a.reason, a.detail),
            h("div", { class: "plain" }, a.plain),
          ),
      cause,
    );
  }

  async function send(): Promise<void> {
    const answers: HTMLElement[] = [];
    replace(result, h("p", { class: "muted" }, "Sending…"));
    const d = derive();
    // unchanged blocks at the end are the node's own: sending them again says only "duplicate"
    let lastChanged = 0;
    d.forEach((x, i) => {
      if (x.hash !== slots[i].origHash) lastChanged = i;
    });
    try {
      for (let i = 0; i <= lastChanged; i++) {
        const hex = bytesToHex(encodeBlock({ header: d[i].header, txs: slots[i].txs }));
        const a = await api.submitBlock(hex);
        // a block sent before is no news: go on to the ones after it
        if (!a.ok && a.reason === "duplicate") {
          answers.push(
            h("p", { class: "muted", "data-testid": "tamper-known" }, `Block #${heightOf(i)}: the node has it already (sent before).`),
          );
          continue;
        }
        answers.push(answerView(heightOf(i), a));
        replace(result, answers);
        if (!a.ok) break;
      }
    } catch (e) {
      answers.push(h("p", { class: "error" }, e instanceof ApiError ? e.message : `unexpected error: ${(e as Error).message}`));
    }
    replace(
      result,
      answers,
      h(
        "p",
        { class: "note" },
        "A block is only as good as every block under it: change one, and its hash, and every later block's link, must be redone. ",
        "The node keeps the chain with the most work, so rewriting history means out-mining everyone who keeps building on the real one. ",
        link("#/", "See the Chain tab"),
        ".",
      ),
    );
  }

  async function load(): Promise<void> {
    replace(result);
    const tip = state.info?.height ?? 0;
    const start = id ?? String(Math.max(1, tip - LATER));
    const first = await api.rawBlock(start);
    baseHeight = first.height;
    heightBox.value = String(first.height);
    const raws = [first];
    if (first.active) {
      for (let k = 1; k <= LATER && first.height + k <= first.tip; k++) raws.push(await api.rawBlock(String(first.height + k)));
    }
    slots = raws.map((r) => {
      const d = decodeBlock(r.hex);
      if (!d.ok) throw new ApiError(0, `the node sent block ${r.hash} in a form this page cannot read: ${d.reason}`);
      return { orig: d.block, origHash: r.hash, origTxids: d.block.txs.map(txid), txs: [...d.block.txs], header: d.block.header };
    });
    replace(editor, outputEditor());
    render();
    loaded = true;
  }

  el.append(
    h(
      "div",
      { class: "view-head" },
      h("h2", null, "Tamper with history"),
      h(
        "div",
        { class: "pager" },
        "block ",
        heightBox,
        h("button", { type: "button", onclick: go, "data-testid": "tamper-go" }, "Go"),
        pickMsg,
      ),
    ),
    h(
      "p",
      { class: "lead" },
      "Change an amount or an owner below, as if you could edit a confirmed block. Watch what breaks: the transaction's id, the block's merkle root, its hash, its proof of work, and the link the next block holds. Nothing leaves this browser until you press “Send to the node”.",
    ),
    editor,
    strip,
    actions,
    result,
  );

  return {
    el,
    update: async () => {
      // the edits live in this page: a new block elsewhere must not wipe them
      if (!loaded) await load();
    },
  };

  function coinsPlain(v: bigint): string {
    return coinsText(v)
      .replace(/ coins?$/, "")
      .replace(/,/g, "");
  }
}
