import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { NodeEvent } from "../events.js";
import { toJson } from "./http.js";
import { explain } from "./reasons.js";

export interface Refusal {
  seq: number;
  /** unix seconds */
  time: number;
  kind: "tx" | "block";
  id: string;
  reason: string;
  detail?: string;
  source: string;
  plain: string;
}

/** What the page receives on /api/events: the node's event, numbered, with plain words for refusals. */
export interface LiveMessage {
  seq: number;
  time: number;
  event: NodeEvent;
  plain?: string;
}

export const FEED_SIZE = 200;
const MAX_CLIENTS = 200;
/** a page that stops reading is dropped rather than buffered without end */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** The last refusals, newest last: the page's "what the node said no to" feed. */
export class RefusalFeed {
  private readonly items: Refusal[] = [];
  private seq = 0;

  /** `onAdd` keeps each new refusal elsewhere too (the store's log) */
  constructor(private readonly onAdd?: (r: Refusal) => void) {}

  add(r: Omit<Refusal, "seq" | "plain">): Refusal {
    const item = { ...r, seq: ++this.seq, plain: explain(r.reason) };
    this.onAdd?.(item);
    this.items.push(item);
    if (this.items.length > FEED_SIZE) this.items.shift();
    return item;
  }

  list(): Refusal[] {
    return [...this.items].reverse();
  }

  /** Puts back the refusals a previous run kept (oldest first); new ones are numbered after them. */
  restore(kept: Omit<Refusal, "plain">[]): void {
    for (const r of kept.slice(-FEED_SIZE)) this.items.push({ ...r, plain: explain(r.reason) });
    this.items.splice(0, Math.max(0, this.items.length - FEED_SIZE));
    this.seq = Math.max(this.seq, ...kept.map((r) => r.seq));
  }
}

/** Pushes every node event to the pages connected on /api/events. */
export class LiveEvents {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024, clientTracking: true });
  private seq = 0;

  /** Takes the upgrade if it is for /api/events; returns false to leave it to someone else. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/api/events") return false;
    if (this.wss.clients.size >= MAX_CLIENTS) {
      socket.end(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\r\ntoo many pages are watching this node; close one and reload\n",
      );
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // the page only listens; anything it sends is ignored
      ws.on("message", () => undefined);
      ws.on("error", () => ws.terminate());
    });
    return true;
  }

  broadcast(event: NodeEvent, now: number): void {
    if (this.wss.clients.size === 0) return;
    const msg: LiveMessage = { seq: ++this.seq, time: now, event };
    if (event.type === "tx-rejected" || event.type === "block-rejected") msg.plain = explain(event.reason);
    const text = toJson(msg);
    for (const ws of this.wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED) ws.terminate();
      else ws.send(text);
    }
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
