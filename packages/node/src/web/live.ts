import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Refusal, LiveMessage as WireLiveMessage } from "@utxolab/core";
import { WebSocket, WebSocketServer } from "ws";
import type { NodeEvent } from "../events.js";
import { isLoopback, type WebAccess } from "./guard.js";
import { toJson } from "./http.js";
import { explain } from "./reasons.js";

export type { Refusal };

/** What the page receives on /api/events (core's wire shape). */
export type LiveMessage = WireLiveMessage<bigint>;

export const FEED_SIZE = 200;
const MAX_CLIENTS = 200;
/** one client address may hold this many; the rest stay for everyone else */
export const MAX_CLIENTS_PER_ADDRESS = 16;
/** the last slots go only to this machine's own pages (127.0.0.1, ::1): the projector is never locked out */
export const LOOPBACK_RESERVED = 8;
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
  /** sockets open (or opening) per client address */
  private readonly perAddress = new Map<string, number>();
  private count = 0;

  constructor(private readonly access: WebAccess) {}

  /** Takes the upgrade if it is for /api/events; returns false to leave it to someone else. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/api/events") return false;
    const refuse = (status: string, text: string) => {
      socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\n${text}\n`);
      return true;
    };
    const badHost = this.access.hostRefusal(req);
    if (badHost) return refuse("403 Forbidden", badHost);
    if (!this.access.originAllowed(req)) {
      return refuse(
        "403 Forbidden",
        `pages of ${req.headers.origin} may not watch this node; only its own page may (start the node with --web-origin ${req.headers.origin} to allow that one)`,
      );
    }
    const address = req.socket.remoteAddress ?? "";
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= MAX_CLIENTS_PER_ADDRESS) {
      return refuse("503 Service Unavailable", `${address} already watches this node on ${mine} connections; close some pages and reload`);
    }
    const limit = isLoopback(address) ? MAX_CLIENTS : MAX_CLIENTS - LOOPBACK_RESERVED;
    if (this.count >= limit) return refuse("503 Service Unavailable", "too many pages are watching this node; close one and reload");
    this.count++;
    this.perAddress.set(address, mine + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.count--;
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, n);
    };
    socket.once("close", release);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // the page only listens; anything it sends is ignored
      ws.on("message", () => undefined);
      ws.on("error", () => ws.terminate());
      ws.on("close", release);
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
