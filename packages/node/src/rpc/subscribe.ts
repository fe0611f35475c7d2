import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { NodeEvent } from "../events.js";
import { toJson } from "../http.js";

/** Where apps subscribe; the page's /api/events socket is separate and needs no token. */
export const SUBSCRIBE_PATH = "/rpc/ws";
export const TOPICS = ["blocks", "txs", "refusals"] as const;
export type Topic = (typeof TOPICS)[number];

const MAX_SUBSCRIBERS = 64;
/** a subscriber's messages are tiny commands */
const MAX_PAYLOAD = 4096;
/** a subscriber that stops reading is dropped rather than buffered without end */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** Which topic a node event belongs to, if any: the node's own log lines go nowhere. */
export function topicOf(e: NodeEvent): Topic | undefined {
  switch (e.type) {
    case "block":
    case "block-disconnected":
    case "reorg":
      return "blocks";
    case "tx":
    case "tx-removed":
      return "txs";
    case "tx-rejected":
    case "block-rejected":
      return "refusals";
    default:
      return undefined;
  }
}

const isTopic = (t: unknown): t is Topic => typeof t === "string" && (TOPICS as readonly string[]).includes(t);

/**
 * Event subscriptions for apps on ws://HOST:PORT/rpc/ws (in the spirit of Core's ZMQ topics
 * and eth_subscribe). The upgrade needs the RPC token like any call: an Authorization header
 * (Bearer or Basic), or `?token=` for clients that cannot set headers. Topics come from
 * `?topics=a,b` and from `{"op":"subscribe"|"unsubscribe","topics":[...]}` messages.
 */
export class Subscriptions {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, clientTracking: false });
  private readonly subs = new Map<WebSocket, Set<Topic>>();
  private seq = 0;

  constructor(
    private readonly authorized: (authHeader: string | undefined) => boolean,
    private readonly now: () => number,
  ) {}

  /** Takes the upgrade if it is for SUBSCRIBE_PATH; returns false to leave it to someone else. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== SUBSCRIBE_PATH) return false;
    const q = url.searchParams.get("token");
    const ok = this.authorized(req.headers.authorization) || (q !== null && this.authorized(`Bearer ${q}`));
    if (!ok) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Basic realm="jsonrpc"\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nsubscriptions need the RPC token: an Authorization header (Bearer <token>), or ?token=<token>\n',
      );
      return true;
    }
    if (this.subs.size >= MAX_SUBSCRIBERS) {
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${MAX_SUBSCRIBERS} subscribers are connected; close one\n`,
      );
      return true;
    }
    const initial = (url.searchParams.get("topics") ?? "").split(",").filter((t) => t !== "");
    const bad = initial.find((t) => !isTopic(t));
    if (bad !== undefined) {
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nunknown topic ${JSON.stringify(bad)}: the topics are ${TOPICS.join(", ")}\n`,
      );
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const topics = new Set(initial as Topic[]);
      this.subs.set(ws, topics);
      ws.on("message", (data, isBinary) => this.command(ws, topics, isBinary ? undefined : data.toString()));
      ws.on("close", () => this.subs.delete(ws));
      ws.on("error", () => ws.terminate());
      this.send(ws, { type: "welcome", topics: [...topics], available: TOPICS });
    });
    return true;
  }

  private command(ws: WebSocket, topics: Set<Topic>, text: string | undefined): void {
    let msg: { op?: unknown; topics?: unknown };
    try {
      msg = text === undefined ? {} : JSON.parse(text);
    } catch {
      this.send(ws, { type: "error", message: 'not JSON: send {"op":"subscribe","topics":["blocks"]}' });
      return;
    }
    const list = Array.isArray(msg?.topics) ? msg.topics : undefined;
    if ((msg?.op !== "subscribe" && msg?.op !== "unsubscribe") || !list || list.length > TOPICS.length) {
      this.send(ws, {
        type: "error",
        message: 'send {"op":"subscribe"|"unsubscribe","topics":[...]} with topics from: blocks, txs, refusals',
      });
      return;
    }
    const bad = list.find((t) => !isTopic(t));
    if (bad !== undefined) {
      this.send(ws, { type: "error", message: `unknown topic ${JSON.stringify(bad)}: the topics are ${TOPICS.join(", ")}` });
      return;
    }
    for (const t of list as Topic[]) {
      if (msg.op === "subscribe") topics.add(t);
      else topics.delete(t);
    }
    this.send(ws, { type: "subscribed", topics: [...topics] });
  }

  publish(e: NodeEvent): void {
    const topic = topicOf(e);
    if (!topic || this.subs.size === 0) return;
    const text = toJson({ type: "event", topic, seq: ++this.seq, time: this.now(), event: e });
    for (const [ws, topics] of this.subs) if (topics.has(topic)) this.sendText(ws, text);
  }

  private send(ws: WebSocket, msg: unknown): void {
    this.sendText(ws, toJson(msg));
  }

  private sendText(ws: WebSocket, text: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) ws.terminate();
    else ws.send(text);
  }

  close(): void {
    for (const ws of this.subs.keys()) ws.terminate();
    this.subs.clear();
    this.wss.close();
  }
}
