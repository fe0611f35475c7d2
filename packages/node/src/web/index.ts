import type { Hash } from "@utxolab/core";
import { RateLimiter } from "../logger.js";
import type { NodeConfig } from "../node.js";
import type { Reporter } from "../parts.js";
import type { RpcServer } from "../rpc/server.js";
import { type ApiNode, createApi } from "./api.js";
import { WebAccess } from "./guard.js";
import { sendJson } from "./http.js";
import { LiveEvents, RefusalFeed } from "./live.js";
import { keepRefusal, type RefusalLogNode, restoreRefusals } from "./refusal-log.js";
import { PageFiles } from "./static.js";
import { Views } from "./views.js";
import { createWorkshopApi, type WorkshopNode } from "./workshop.js";

export { MAX_BODY_BYTES } from "./api.js";
export { explain, REASONS_LIST, type ReasonText } from "./reasons.js";

export interface WebOptions {
  /** the built page (default packages/node/web/dist) */
  pageDir?: string;
}

/**
 * Serves the workshop page at / of the node's RPC port, its public API under /api/ and
 * live events on the WebSocket /api/events. None of it needs the RPC token: it shows what
 * any peer could learn and takes transactions as the P2P port does.
 */
/** What the page is served from: the API's and the workshop's parts, the event feed, and the RPC server whose port it shares. */
export type WebNode = ApiNode &
  WorkshopNode &
  RefusalLogNode &
  Pick<Reporter, "events"> & {
    readonly config: Pick<NodeConfig, "logLimit" | "rpcBind" | "allowHosts" | "webOrigins" | "mineTo">;
    readonly rpc: RpcServer | undefined;
  };

export async function attachWeb(node: WebNode, opts: WebOptions = {}): Promise<void> {
  const rpc = node.rpc;
  if (!rpc) throw new Error("the web page is served on the RPC port: start the RPC server before attaching the web");
  const views = new Views(node);
  // Each kept refusal is a store write, and a peer may cause policy refusals (never a ban) as fast as
  // it likes: like the log's lines, they are kept at a bounded rate per kind; the list in memory has them all.
  const keepRate = new RateLimiter(node.config.logLimit);
  const feed = new RefusalFeed((r) => {
    if (keepRate.take(`${r.kind}:${r.reason.slice(0, 64)}:${r.source}`) !== undefined) keepRefusal(node, r);
  });
  const access = new WebAccess({
    bind: node.config.rpcBind ?? "127.0.0.1",
    allowHosts: node.config.allowHosts,
    origins: node.config.webOrigins,
  });
  const live = new LiveEvents(access);
  const page = new PageFiles(opts.pageDir);
  const api = createApi(node, views, feed, access);
  const workshop = createWorkshopApi(node, views, access);
  await restoreRefusals(node, feed);

  node.events.on((e) => {
    const now = node.now();
    if (e.type === "block") views.rememberFees(e.hash as Hash, e.fees);
    if (e.type === "tx-rejected") feed.add({ time: now, kind: "tx", id: e.txid, reason: e.reason, detail: e.detail, source: e.source });
    if (e.type === "block-rejected")
      feed.add({ time: now, kind: "block", id: e.hash, reason: e.reason, detail: e.detail, source: e.source });
    live.broadcast(e, now);
  });

  rpc.addHandler(async (req, res, url) => {
    // The page and its API (not /rpc, which has its token) answer only requests addressed to this node.
    const badHost = access.hostRefusal(req);
    if (badHost) {
      sendJson(res, 403, { error: badHost });
      return true;
    }
    if (await workshop(req, res, url)) return true;
    if (await api(req, res, url)) return true;
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    return page.serve(url.pathname, res, req.method === "HEAD");
  });

  const server = rpc.httpServer;
  server.on("upgrade", (req, socket, head) => {
    if (live.handleUpgrade(req, socket, head)) return;
    // nobody else takes upgrades on this port: say so instead of leaving the socket hanging
    if (server.listenerCount("upgrade") === 1) socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
  });
  // WebSockets are no longer HTTP connections, so the server's close would wait for them forever
  rpc.onClose(() => live.close());
}
