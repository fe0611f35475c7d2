import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeAddress, decodeTx, devnetAccounts, encodeAddress, genesisHash, type Hash, isHash } from "@utxolab/core";
import { addressInfo } from "../addressinfo.js";
import type { Clock } from "../clock.js";
import type { ChainSource, PeersSource, PoolSource, Submitter } from "../parts.js";
import type { WebAccess } from "./guard.js";
import { HttpError, intParam, readBody, sendHttpError, sendJson } from "./http.js";
import type { RefusalFeed } from "./live.js";
import { explain, REASONS_LIST } from "./reasons.js";
import type { Views } from "./views.js";

/** A posted transaction is at most a block's worth of hex plus JSON framing; anything above is refused unread. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

const PAGE_LIMIT = 100;
const ADDRESS_UTXOS = 100;

/**
 * What guards a page's POST that hands the node a transaction or a block (/api/tx, /api/block):
 * a page of another site can make the visitor's browser post here. Browsers send its Origin;
 * and without CORS they can only send "simple" bodies (text/plain, forms), so JSON is required too.
 */
export function refuseOtherPages(req: IncomingMessage, access: WebAccess, route: string, what: string): void {
  if (!access.originAllowed(req)) {
    throw new HttpError(
      403,
      `pages of ${req.headers.origin} may not ${what} this node; use its own page, or start the node with --web-origin ${req.headers.origin} (or --web-origin '*' to open the devnet to every page on purpose)`,
    );
  }
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json" && !access.open) {
    throw new HttpError(
      415,
      `${route} takes a body of Content-Type application/json, not ${JSON.stringify(type || "(none)")}; send {"hex": "..."} with that header`,
    );
  }
}

type Route = (url: URL, parts: string[], req: IncomingMessage) => unknown | Promise<unknown>;

/**
 * The page's public API under /api/: read-only views of the chain, the pool and balances,
 * and POST /api/tx, which accepts any transaction exactly as the P2P port does.
 */
/** What the public API reads, and where a posted transaction goes. */
export type ApiNode = ChainSource & PoolSource & PeersSource & Clock & Pick<Submitter, "submitTxVerified">;

export function createApi(node: ApiNode, views: Views, feed: RefusalFeed, access: WebAccess) {
  const hrp = node.params.hrp;
  const devnet = node.params.name === "devnet";

  const hashParam = (s: string | undefined, what: string): Hash => {
    if (!isHash(s)) throw new HttpError(400, `${what} must be 64 lowercase hex digits, got ${JSON.stringify(s ?? "")}`);
    return s;
  };

  const addressParam = (s: string | undefined) => {
    let text: string;
    try {
      text = decodeURIComponent(s ?? "");
    } catch {
      throw new HttpError(400, "the address is not valid URL text");
    }
    const d = decodeAddress(text, hrp);
    if (!d.ok) throw new HttpError(400, `${d.error}`);
    return { address: text.toLowerCase(), pubkey: d.pubkey };
  };

  const get: Record<string, Route> = {
    info: () => ({
      network: node.params.name,
      devnet,
      genesisHash: genesisHash(node.params),
      height: node.chain.height,
      bestHash: node.chain.tip.hash,
      tipTime: node.chain.tip.header.time,
      chainWork: node.chain.tip.chainWork,
      blocksKnown: node.chain.index.size,
      mempool: { count: node.mempool.size, bytes: node.mempool.bytes },
      peers: node.peers?.peerInfo().length ?? 0,
      params: {
        hrp,
        coinbaseMaturity: node.params.coinbaseMaturity,
        halvingInterval: node.params.halvingInterval,
        maxBlockSize: node.params.maxBlockSize,
      },
    }),

    blocks: (url) => views.chainPage(intParam(url, "from", 0, 0xffffffff, node.chain.height), intParam(url, "limit", 1, PAGE_LIMIT, 20)),

    block: async (url, [id]) =>
      views.block(views.entryById(id ?? ""), intParam(url, "offset", 0, 1_000_000, 0), intParam(url, "limit", 1, PAGE_LIMIT, 50)),

    tx: (_url, [id]) => views.tx(hashParam(id, "a txid")),

    mempool: (url) => views.mempool(intParam(url, "offset", 0, 10_000_000, 0), intParam(url, "limit", 1, PAGE_LIMIT, 50)),

    address: (url, [a]) => {
      const { address, pubkey } = addressParam(a);
      const limit = intParam(url, "limit", 1, 1000, ADDRESS_UTXOS);
      const info = addressInfo(node, address, pubkey, { pendingLimit: limit });
      // a miner's address may hold thousands of coins: the page gets the biggest spendable ones and a count
      const spendable = info.utxos
        .filter((u) => u.mature && !u.spentBy)
        .sort((x, y) => (BigInt(y.value) > BigInt(x.value) ? 1 : BigInt(y.value) < BigInt(x.value) ? -1 : 0));
      return {
        ...info,
        utxoCount: info.utxos.length,
        utxos: info.utxos.slice(-limit).reverse(),
        spendableUtxos: spendable.slice(0, limit),
        // outputs of waiting payments are bounded the same way: a busy pool may pay one account thousands
        pendingUtxos: info.pendingUtxos,
        devnetAccount: devnet ? devnetAccounts().findIndex((acc) => encodeAddress(acc.pubkey, hrp) === address) : -1,
      };
    },

    accounts: () => {
      if (!devnet) throw new HttpError(404, `the ten public accounts exist only on devnet; this node runs ${node.params.name}`);
      return devnetAccounts().map((acc) => {
        const address = encodeAddress(acc.pubkey, hrp);
        const { utxos, pendingUtxos, pendingCount, ...totals } = addressInfo(node, address, acc.pubkey, { pendingLimit: 0 });
        return { index: acc.index, ...totals, utxoCount: utxos.length };
      });
    },

    refusals: () => feed.list(),

    reasons: () => REASONS_LIST,
  };

  const postTx = async (req: IncomingMessage) => {
    refuseOtherPages(req, access, "POST /api/tx", "submit transactions to");
    const body = await readBody(req, MAX_BODY_BYTES);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new HttpError(400, 'the body must be JSON like {"hex": "01000000..."}');
    }
    const hex = (parsed as { hex?: unknown } | null)?.hex;
    if (typeof hex !== "string")
      throw new HttpError(400, 'the body must be JSON like {"hex": "01000000..."}: "hex" is missing or not a string');
    const clean = hex.trim().toLowerCase();
    if (clean === "" || !/^(?:[0-9a-f]{2})+$/.test(clean)) {
      throw new HttpError(400, "hex must be the transaction's bytes as hexadecimal digits (0-9, a-f), an even number of them");
    }
    const d = decodeTx(clean);
    if (!d.ok) {
      feed.add({ time: node.now(), kind: "tx", id: "", reason: d.reason, detail: d.detail, source: "web" });
      return { status: 422, body: { ok: false, reason: d.reason, detail: d.detail, plain: explain(d.reason) } };
    }
    const r = await node.submitTxVerified(d.tx, "web");
    if (!r.ok)
      return {
        status: 422,
        body: { ok: false, txid: r.txid, reason: r.reason, ...(r.detail ? { detail: r.detail } : {}), plain: explain(r.reason) },
      };
    return { status: 200, body: { ok: true, txid: r.txid, fee: r.fee, size: r.size } };
  };

  /** Answers /api/... requests; false for any other path. */
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname !== "/api" && !url.pathname.startsWith("/api/")) return false;
    const [, , name = "", ...parts] = url.pathname.split("/");
    try {
      if (name === "tx" && parts.length === 0) {
        if (req.method !== "POST")
          throw new HttpError(405, 'submit a transaction with POST /api/tx and a body {"hex": "..."}', { allow: "POST" });
        const { status, body } = await postTx(req);
        sendJson(res, status, body);
        return true;
      }
      const route = Object.hasOwn(get, name) ? get[name] : undefined;
      if (!route) {
        throw new HttpError(
          404,
          `no API ${url.pathname}: try /api/info, /api/blocks, /api/block/HEIGHT-OR-HASH, /api/tx/TXID, /api/mempool, /api/address/ADDRESS, /api/accounts, /api/refusals, /api/reasons`,
        );
      }
      if (req.method !== "GET" && req.method !== "HEAD")
        throw new HttpError(405, `${url.pathname} is read-only: use GET`, { allow: "GET, HEAD" });
      const wantsArg = name === "block" || name === "tx" || name === "address";
      if (parts.length !== (wantsArg ? 1 : 0)) throw new HttpError(404, `no API ${url.pathname}`);
      sendJson(res, 200, await route(url, parts, req));
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      sendHttpError(req, res, e);
    }
    return true;
  };
}
