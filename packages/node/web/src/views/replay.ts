import type { View } from "../app.js";
import { h, replace } from "../dom.js";

/**
 * Replays a trace written by `utxolab sim … --trace FILE` (format in
 * docs/simulation.md): the nodes as dots grouped by region, each coloured by
 * the branch of the last block it heard of, the wave of a new block spreading,
 * forks and reorganizations. The file is read in the browser and never sent
 * anywhere; its size, line count and node count are bounded and a file that is
 * not a trace is refused with the line that is wrong.
 */

/** Bigger files are refused before a byte is read (a 1,000 × 1,000 trace is about 60 MB). */
export const MAX_TRACE_BYTES = 128 * 1024 * 1024;
const MAX_LINES = 3_000_000;
/** One SVG dot per node: beyond this the page would crawl. */
const MAX_NODES = 10_000;
/** A line longer than this is not one of ours (the first line lists every node: 20 bytes each). */
const MAX_LINE = 64 + 24 * MAX_NODES;

const SVG = "http://www.w3.org/2000/svg";
const W = 900;
const MAP_H = 420;
const STRIP_H = 110;
/** A node that heard of a block less than this long ago (virtual ms) is drawn as part of the wave. */
const WAVE_MS = 1_500;
/** Quiet stretches longer than this (virtual ms) are skipped while playing. */
const QUIET_MS = 3_000;
/** How many events the log under the map shows (the newest). */
const LOG_LINES = 12;
const PALETTE = ["#0b4fb3", "#d1495b", "#2a9d8f", "#e9a03b", "#7b2cbf", "#6a994e", "#c44536", "#118ab2"];

interface TraceBlock {
  id: string;
  parent: string;
  height: number;
  miner: number;
  t: number;
  branch: number;
  /** another block at this height was found before it: a fork */
  rival: boolean;
}

type Step =
  | { t: number; k: "recv"; n: number; b: number }
  | { t: number; k: "reorg"; n: number; d: number }
  | { t: number; k: "down" | "up"; n: number }
  | { t: number; k: "note"; text: string };

export interface Trace {
  regions: string[];
  nodeRegion: number[];
  blocks: TraceBlock[];
  steps: Step[];
  end: number;
  tip?: string;
}

/** Why a file is not a trace, said with the line that is wrong. */
export class TraceError extends Error {}

const isInt = (v: unknown, lo = 0, hi = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;

/** Parses a trace's text; throws TraceError naming the first bad line. */
export function parseTrace(text: string): Trace {
  const lines = text.split("\n");
  if (lines.length > MAX_LINES + 1) throw new TraceError(`it has ${lines.length} lines; a trace replayed here may have ${MAX_LINES}`);
  let nodes: number[] | undefined;
  let regions: string[] = [];
  const blocks: TraceBlock[] = [];
  const byId = new Map<string, number>();
  const children = new Map<string, number>();
  const atHeight = new Map<number, number>();
  const steps: Step[] = [];
  let branches = 0;
  let end = 0;
  let tip: string | undefined;
  const node = (v: unknown, i: number): number => {
    if (!nodes || !isInt(v, 0, nodes.length - 1)) throw new TraceError(`line ${i + 1}: ${JSON.stringify(v)} is not a node of this trace`);
    return v;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    if (line.length > MAX_LINE) throw new TraceError(`line ${i + 1} is ${line.length} characters long; trace lines are shorter`);
    let o: Record<string, unknown>;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
      o = v as Record<string, unknown>;
    } catch {
      throw new TraceError(`line ${i + 1} is not a JSON object: ${JSON.stringify(line.slice(0, 40))}`);
    }
    if (!nodes) {
      if (o.e !== "nodes" || !Array.isArray(o.nodes) || !Array.isArray(o.regions)) {
        throw new TraceError('the first line must be the {"e":"nodes",…} line that `utxolab sim --trace` writes first');
      }
      if (o.nodes.length < 1 || o.nodes.length > MAX_NODES)
        throw new TraceError(`it has ${o.nodes.length} nodes; this view shows 1 to ${MAX_NODES}`);
      if (o.regions.length < 1 || o.regions.length > MAX_NODES || o.regions.some((r: unknown) => typeof r !== "string")) {
        throw new TraceError("line 1: regions must be a list of 1 or more region names");
      }
      regions = o.regions.map((r: string) => r.slice(0, 40));
      const rs = o.nodes.map((x: unknown, k: number) => {
        const n = x as { id?: unknown; r?: unknown };
        if (n?.id !== k || !isInt(n.r, 0, Math.max(0, regions.length - 1)))
          throw new TraceError(`line 1: node ${k} is ${JSON.stringify(x)}`);
        return n.r;
      });
      nodes = rs;
      continue;
    }
    const t = o.t;
    if (o.e === "end") {
      tip = typeof o.tip === "string" ? o.tip : undefined;
      continue;
    }
    if (!isInt(t, 0, 1e13)) throw new TraceError(`line ${i + 1}: event ${JSON.stringify(String(o.e))} has no time "t" in ms`);
    // the simulator writes events in time order; a trace out of order cannot be replayed as written
    if (t < end) throw new TraceError(`line ${i + 1}: time ${t} ms comes after ${end} ms; a trace's lines are in time order`);
    end = t;
    switch (o.e) {
      case "block": {
        if (typeof o.b !== "string" || o.b === "" || typeof o.p !== "string")
          throw new TraceError(`line ${i + 1}: a block line needs its id "b" and its parent "p" as strings`);
        const id = o.b;
        const parent = o.p;
        const miner = node(o.n, i);
        if (!isInt(o.h, 0)) throw new TraceError(`line ${i + 1}: block ${id} has no height`);
        if (byId.has(id)) break;
        // a block is on its parent's branch unless the parent already has a child: then it starts a fork
        const p = byId.get(parent);
        const taken = children.get(parent) ?? 0;
        children.set(parent, taken + 1);
        const branch = p !== undefined && taken === 0 ? blocks[p].branch : taken === 0 && blocks.length === 0 ? 0 : ++branches;
        byId.set(id, blocks.length);
        const rivals = atHeight.get(o.h) ?? 0;
        atHeight.set(o.h, rivals + 1);
        blocks.push({ id, parent, height: o.h, miner, t, branch, rival: rivals > 0 });
        steps.push({ t, k: "recv", n: miner, b: blocks.length - 1 });
        break;
      }
      case "recv": {
        const b = byId.get(String(o.b));
        if (b === undefined)
          throw new TraceError(`line ${i + 1}: node ${String(o.n)} received block ${String(o.b)}, which no line before found`);
        if (t < blocks[b].t) throw new TraceError(`line ${i + 1}: node ${String(o.n)} received block ${String(o.b)} before it was found`);
        steps.push({ t, k: "recv", n: node(o.n, i), b });
        break;
      }
      case "reorg":
        steps.push({ t, k: "reorg", n: node(o.n, i), d: isInt(o.d, 0) ? o.d : 0 });
        break;
      case "crash":
        steps.push({ t, k: "down", n: node(o.n, i) });
        break;
      case "restart":
        steps.push({ t, k: "up", n: node(o.n, i) });
        break;
      case "partition":
        steps.push({ t, k: "note", text: `partition into ${Array.isArray(o.groups) ? o.groups.length : "?"} groups` });
        break;
      case "heal":
        steps.push({ t, k: "note", text: "partition healed" });
        break;
      case "converged":
        steps.push({
          t,
          k: "note",
          text: `every node on one tip ${isInt(o.after) ? `${(o.after / 1000).toFixed(1)} s after the heal` : ""}`,
        });
        break;
      default:
        // slow, lossy, the attacks' release/giveup: shown as notes; an unknown event is skipped
        if (typeof o.e === "string" && /^[a-z]{1,20}$/.test(o.e)) steps.push({ t, k: "note", text: o.e });
    }
  }
  if (!nodes) throw new TraceError("it is empty: pick a file written by `utxolab sim … --trace FILE`");
  if (blocks.length === 0) throw new TraceError("it has no blocks: nothing to replay");
  // lines are in time order as written; a sort keeps a hand-edited file playable
  steps.sort((a, b) => a.t - b.t);
  return { regions, nodeRegion: nodes, blocks, steps, end, tip };
}

/** Dot positions: regions around a ring, each region's nodes in a sunflower around its centre. */
function layout(tr: Trace): { x: Float64Array; y: Float64Array; r: number; centres: [number, number, number][] } {
  const n = tr.nodeRegion.length;
  const count = tr.regions.map(() => 0);
  for (const r of tr.nodeRegion) count[r] = (count[r] ?? 0) + 1;
  const used = tr.regions.map((_, i) => i).filter((i) => count[i] > 0);
  const cx = W / 2;
  const cy = MAP_H / 2;
  const ring = used.length > 1 ? Math.min(W, MAP_H) * 0.3 : 0;
  const area = Math.min(W, MAP_H) * 0.2;
  const dot = Math.max(1.5, Math.min(7, (area / Math.sqrt(Math.max(...count, 1))) * 0.45));
  const centres: [number, number, number][] = [];
  const centreOf = new Map<number, [number, number]>();
  used.forEach((r, k) => {
    const a = (2 * Math.PI * k) / used.length - Math.PI / 2;
    const c: [number, number] = [cx + ring * 1.45 * Math.cos(a), cy + ring * Math.sin(a)];
    centreOf.set(r, c);
    centres.push([c[0], c[1], r]);
  });
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const seen = tr.regions.map(() => 0);
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < n; i++) {
    const r = tr.nodeRegion[i];
    const k = seen[r]++;
    const c = centreOf.get(r) ?? [cx, cy];
    const rad = dot * 1.3 * Math.sqrt(k + 0.5);
    x[i] = c[0] + rad * Math.cos(k * golden);
    y[i] = c[1] + rad * Math.sin(k * golden);
  }
  return { x, y, r: dot, centres };
}

const svg = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
};

const seconds = (ms: number): string => `${(ms / 1000).toLocaleString("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} s`;

/** The player: state at time T is rebuilt by applying steps in order (going back replays from the start). */
class Player {
  readonly el = h("div", { class: "replay-player", "data-testid": "replay-player" });
  private readonly dots: SVGCircleElement[] = [];
  private readonly strip: SVGGElement = svg("g", {});
  private readonly stripMarks: SVGRectElement[] = [];
  private readonly status = h("div", { class: "replay-status", "data-testid": "replay-status", "aria-live": "off" });
  private readonly log = h("ol", { class: "replay-log", "data-testid": "replay-log" });
  private notes: { t: number; text: string; cls: string }[] = [];
  private notesChanged = false;
  private readonly slider = h("input", {
    type: "range",
    min: 0,
    max: 1000,
    value: 0,
    "aria-label": "time",
    "data-testid": "replay-time",
    class: "replay-slider",
  });
  private readonly play = h("button", { type: "button", "data-testid": "replay-play" }, "Play");
  private readonly speed = h(
    "select",
    { "aria-label": "speed", "data-testid": "replay-speed" },
    ...[0.1, 0.25, 1, 4, 20].map((s) => h("option", { value: s, selected: s === 0.25 }, `${s}× (virtual s per s)`)),
  );
  private tipOf: Int32Array;
  private heardAt: Float64Array;
  private down: Uint8Array;
  private cursor = 0;
  private now = 0;
  private reorgs = 0;
  private playing = false;
  private lastFrame = 0;
  private raf = 0;

  constructor(private readonly tr: Trace) {
    const n = tr.nodeRegion.length;
    this.tipOf = new Int32Array(n).fill(-1);
    this.heardAt = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.down = new Uint8Array(n);
    const pos = layout(tr);
    const map = svg("svg", { viewBox: `0 0 ${W} ${MAP_H}`, class: "replay-map replay-frame", "data-testid": "replay-map", role: "img" });
    map.setAttribute("aria-label", `${n} nodes`);
    for (const [x, y, r] of pos.centres) {
      const label = svg("text", {
        x,
        y: y - 2 - Math.min(MAP_H * 0.2, 6 * pos.r * Math.sqrt(n / pos.centres.length) * 0.5),
        "text-anchor": "middle",
        class: "replay-region",
        "font-size": 13,
        fill: "#4a5261",
      });
      label.textContent = tr.regions[r] ?? `region ${r}`;
      map.append(label);
    }
    for (let i = 0; i < n; i++) {
      const c = svg("circle", {
        cx: pos.x[i].toFixed(1),
        cy: pos.y[i].toFixed(1),
        r: pos.r,
        fill: "#c5cad3",
        "data-testid": "replay-node",
      });
      this.dots.push(c);
      map.append(c);
    }
    const chain = svg("svg", {
      viewBox: `0 0 ${W} ${STRIP_H}`,
      class: "replay-strip replay-frame",
      "data-testid": "replay-strip",
      role: "img",
    });
    chain.setAttribute("aria-label", "blocks by height; a second row is a fork");
    chain.append(this.strip);
    this.buildStrip();
    this.slider.max = String(Math.max(1, tr.end));
    this.slider.addEventListener("input", () => {
      this.seek(Number(this.slider.value));
    });
    this.play.addEventListener("click", () => (this.playing ? this.pause() : this.start()));
    this.el.append(
      h("div", { class: "replay-controls" }, this.play, this.speed, this.slider),
      this.status,
      map,
      h("div", { class: "muted small" }, "Blocks by height, coloured by branch; blocks off the first row lost a race (stale):"),
      chain,
      h("h3", null, "What happened"),
      this.log,
    );
    this.seek(0);
  }

  /** The chain strip: one column per height (the last 60 when the run is longer), one row per block at that height. */
  private buildStrip(): void {
    // a loop, not Math.max(...): a long run has more blocks than a call takes arguments
    let maxH = 0;
    for (const b of this.tr.blocks) maxH = Math.max(maxH, b.height);
    const minH = Math.max(1, maxH - 59);
    const col = W / (maxH - minH + 1);
    const rowAt = new Map<number, number>();
    for (const b of this.tr.blocks) {
      const row = rowAt.get(b.height) ?? 0;
      rowAt.set(b.height, row + 1);
      if (b.height < minH || row > 3) {
        this.stripMarks.push(svg("rect", {}));
        continue;
      }
      const rect = svg("rect", {
        x: ((b.height - minH) * col + 1).toFixed(1),
        y: 6 + row * 26,
        width: Math.max(1, col - 2).toFixed(1),
        height: 20,
        fill: PALETTE[b.branch % PALETTE.length],
        "data-testid": "replay-block",
      });
      const title = svg("title", {});
      title.textContent = `block ${b.id}… at height ${b.height}, mined by node ${b.miner} at ${seconds(b.t)}`;
      rect.append(title);
      this.stripMarks.push(rect);
      this.strip.append(rect);
    }
  }

  private reset(): void {
    this.tipOf.fill(-1);
    this.heardAt.fill(Number.NEGATIVE_INFINITY);
    this.down.fill(0);
    this.cursor = 0;
    this.reorgs = 0;
    this.notes = [];
    this.log.replaceChildren();
  }

  private apply(s: Step): void {
    switch (s.k) {
      case "recv": {
        // a node shows the highest block it has heard of; an equal-height rival does not repaint it (first seen wins)
        const cur = this.tipOf[s.n];
        if (cur < 0 || this.tr.blocks[s.b].height > this.tr.blocks[cur].height) this.tipOf[s.n] = s.b;
        this.heardAt[s.n] = s.t;
        const b = this.tr.blocks[s.b];
        if (b.miner === s.n && b.t === s.t) {
          const fork = b.rival;
          this.note(
            s.t,
            `block #${b.height} found by node ${s.n}${fork ? " — a fork: another block has this height" : ""}`,
            fork ? "fork" : "",
          );
        }
        break;
      }
      case "reorg":
        this.reorgs++;
        this.note(s.t, `node ${s.n} reorganized ${s.d} block${s.d === 1 ? "" : "s"} deep`, "reorg");
        break;
      case "down":
        this.down[s.n] = 1;
        this.note(s.t, `node ${s.n} crashed`, "");
        break;
      case "up":
        this.down[s.n] = 0;
        this.note(s.t, `node ${s.n} restarted`, "");
        break;
      case "note":
        this.note(s.t, s.text, "");
        break;
    }
  }

  /**
   * Events are kept as data and only the newest LOG_LINES become elements, once per frame: a
   * seek across 100,000 events built and threw away an element each (13 s to load such a trace).
   */
  private note(t: number, text: string, cls: string): void {
    this.notes.push({ t, text, cls });
    if (this.notes.length > 4 * LOG_LINES) this.notes.splice(0, this.notes.length - LOG_LINES);
    this.notesChanged = true;
  }

  private renderLog(): void {
    if (!this.notesChanged) return;
    this.notesChanged = false;
    this.log.replaceChildren(
      ...this.notes
        .slice(-LOG_LINES)
        .reverse()
        .map((n) => h("li", { class: n.cls ? `ev ${n.cls}` : "ev" }, h("span", { class: "muted" }, seconds(n.t), " "), n.text)),
    );
  }

  seek(t: number): void {
    if (t < this.now) this.reset();
    this.now = Math.max(0, Math.min(t, this.tr.end));
    const steps = this.tr.steps;
    while (this.cursor < steps.length && steps[this.cursor].t <= this.now) this.apply(steps[this.cursor++]);
    this.draw();
  }

  private draw(): void {
    this.renderLog();
    const { blocks } = this.tr;
    let latest = -1;
    for (let b = 0; b < blocks.length && blocks[b].t <= this.now; b++) latest = b;
    let have = 0;
    let waving = 0;
    for (let i = 0; i < this.dots.length; i++) {
      const tip = this.tipOf[i];
      const d = this.dots[i];
      const fresh = this.now - this.heardAt[i] < WAVE_MS;
      if (tip === latest && latest >= 0) have++;
      if (fresh) waving++;
      d.setAttribute("fill", this.down[i] ? "#ffffff" : tip < 0 ? "#c5cad3" : PALETTE[blocks[tip].branch % PALETTE.length]);
      d.setAttribute("stroke", this.down[i] ? "#4a5261" : fresh ? "#0b0d12" : "none");
      d.setAttribute("class", fresh ? "wave" : "");
    }
    for (let b = 0; b < this.stripMarks.length; b++) this.stripMarks[b].setAttribute("opacity", blocks[b].t <= this.now ? "1" : "0.12");
    this.slider.value = String(Math.round(this.now));
    const lb = latest >= 0 ? blocks[latest] : undefined;
    replace(
      this.status,
      h("strong", null, seconds(this.now)),
      ` of ${seconds(this.tr.end)} · `,
      lb ? `latest block #${lb.height} (node ${lb.miner}) reached ${have} of ${this.dots.length} nodes` : "no block yet",
      ` · ${waving} hearing news now · ${latest + 1} blocks · ${this.reorgs} reorgs`,
    );
    this.status.dataset.wave = String(waving);
  }

  private start(): void {
    if (this.now >= this.tr.end) this.seek(0);
    this.playing = true;
    this.play.textContent = "Pause";
    this.lastFrame = performance.now();
    const frame = (ts: number) => {
      if (!this.playing) return;
      const dt = Math.max(0, Math.min(250, ts - this.lastFrame));
      this.lastFrame = ts;
      let next = this.now + dt * Number(this.speed.value);
      // quiet time (nothing happens for minutes between blocks) is skipped to just before the next step
      const s = this.tr.steps[this.cursor];
      if (s && s.t - next > QUIET_MS && this.quiet()) next = s.t - 500;
      this.seek(next);
      if (this.now >= this.tr.end) {
        this.pause();
        return;
      }
      this.raf = requestAnimationFrame(frame);
    };
    this.raf = requestAnimationFrame(frame);
  }

  /** No dot is in a wave: nothing to watch until the next step. */
  private quiet(): boolean {
    for (let i = 0; i < this.heardAt.length; i++) if (this.now - this.heardAt[i] < WAVE_MS) return false;
    return true;
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.raf);
    this.play.textContent = "Play";
  }
}

/** #/replay: load a trace file from this computer and watch it. */
export function replayView(): View {
  const el = h("section", { class: "view replay-view", "data-testid": "replay-view" });
  const said = h("div", { "data-testid": "replay-said", role: "status" });
  const stage = h("div", null);
  const input = h("input", {
    type: "file",
    accept: ".jsonl,.json,.txt,text/plain",
    "data-testid": "replay-file",
    "aria-label": "trace file",
  });
  let player: Player | undefined;
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    player?.pause();
    player = undefined;
    replace(stage);
    if (!file) return;
    if (file.size > MAX_TRACE_BYTES) {
      refuse(
        `${file.name} is ${(file.size / 1e6).toFixed(0)} MB; this page replays traces up to ${MAX_TRACE_BYTES / 1024 / 1024} MB (try fewer blocks or nodes).`,
      );
      return;
    }
    replace(said, h("span", { class: "muted" }, `reading ${file.name}…`));
    file.text().then(
      (text) => {
        try {
          const tr = parseTrace(text);
          player = new Player(tr);
          replace(stage, player.el);
          replace(
            said,
            h(
              "span",
              null,
              `${file.name}: ${tr.nodeRegion.length} nodes, ${tr.blocks.length} blocks, ${seconds(tr.end)} of virtual time. Press Play.`,
            ),
          );
        } catch (e) {
          if (e instanceof TraceError) refuse(`${file.name} is not a trace this page can replay: ${e.message}.`);
          else refuse(`${file.name} could not be replayed: ${(e as Error).message}`);
        }
      },
      (e: Error) => refuse(`${file.name} could not be read: ${e.message}`),
    );
  });
  function refuse(msg: string): void {
    replace(said, h("div", { class: "banner error", role: "alert", "data-testid": "replay-refused" }, msg));
  }
  el.append(
    h("div", { class: "view-head" }, h("h2", null, "Replay a simulation")),
    h(
      "p",
      null,
      "Run ",
      h("code", null, "utxolab sim forks --trace forks.jsonl"),
      " (or any ",
      h("code", null, "utxolab sim"),
      " scenario with ",
      h("code", null, "--trace FILE"),
      "), then pick the file here. It is read by this page only; nothing is sent to the node.",
    ),
    h(
      "p",
      { class: "muted small" },
      "Dots are nodes, grouped by region and coloured by the branch of the best block each has heard of; a ringed dot has just heard of a block: that ring spreading is the propagation wave. Grey: nothing yet; white: crashed.",
    ),
    input,
    said,
    stage,
  );
  return { el, update: async () => {} };
}
