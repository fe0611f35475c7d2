import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  bytesToHex,
  type Coin,
  decodeAddress,
  decodeBlock,
  encodeAddress,
  encodeBlock,
  formatCoins,
  type Hash,
  isCoinbase,
  txid,
} from "@utxolab/core";
import type { Clock } from "../clock.js";
import type { NodeConfig } from "../node.js";
import type { ChainSource, MinerSource, PoolSource, Reporter, Submitter } from "../parts.js";
import { refuseOtherPages } from "./api.js";
import type { WebAccess } from "./guard.js";
import { HttpError, readBody, sendHttpError, sendJson } from "./http.js";
import { explain } from "./reasons.js";
import type { Views } from "./views.js";

/** A block's hex is at most a block's size twice over plus JSON framing. */
const MAX_BLOCK_BODY = 2 * 1024 * 1024 + 1024;
/** a demo's progress note is one short line; a bigger body is refused unread */
const MAX_NOTE_BODY = 4096;
const MAX_TEXT = 300;
/** coins listed per block: a huge block is shown in part, with counts */
const MAX_COINS = 400;
/** a demo that stopped without saying so no longer shows its banner after this long */
const DEMO_STALE_S = 600;

export type DemoEvent = { type: "demo"; name: string; step: number; total: number; text: string; done: boolean };

/** Loopback callers may steer the node; anyone else needs the RPC token (Authorization: Bearer T). */
export function trusted(req: IncomingMessage, token: string): boolean {
  const ip = req.socket.remoteAddress ?? "";
  if (ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.")) return true;
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
  if (!m) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A state-changing request must be JSON from this node's own page: a form on another site cannot send
 * application/json without a preflight (which this node never grants), and a script there carries its Origin.
 */
function sameSite(req: IncomingMessage): void {
  if (!/^application\/json\b/.test(req.headers["content-type"] ?? ""))
    throw new HttpError(415, 'send JSON: the content-type must be "application/json"');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== "null") {
    let host = "";
    try {
      host = new URL(origin).host;
    } catch {
      // an unreadable Origin is no origin of this node
    }
    if (host !== req.headers.host) throw new HttpError(403, `a page from ${origin} may not steer this node`);
  }
}

async function jsonBody(req: IncomingMessage, limit: number, example: string): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit);
  try {
    const v = JSON.parse(body.toString("utf8")) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, `the body must be a JSON object like ${example}`);
}

const text = (v: unknown, what: string, max = MAX_TEXT): string => {
  if (typeof v !== "string") throw new HttpError(400, `"${what}" must be text`);
  // one line of printable text: the page shows it as it is
  const clean = v.replace(/\p{Cc}/gu, " ").trim();
  if (clean.length === 0 || clean.length > max) throw new HttpError(400, `"${what}" must be 1 to ${max} characters`);
  return clean;
};

const count = (v: unknown, what: string, max: number): number => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
    throw new HttpError(400, `"${what}" must be a whole number from 0 to ${max}`);
  return v;
};

/** Plain words for what happened to a submitted block. */
function blockOutcome(node: Pick<ChainSource, "chain">, active: boolean): string {
  if (active) return "The node accepted the block and it is now on the best chain: it carries the most work.";
  const tip = node.chain.tip;
  return `The node stored the block on a side branch, and the best chain stays as it was: the best chain (tip #${tip.height}) has at least as much work, and a node keeps the chain it saw first. It checks a side branch's transactions only if that branch ever carries more work: to rewrite history you would have to out-mine everyone else from here on.`;
}

/** The block of a branch that broke a rule (found when the node tried to switch to it), walking back from `from`. */
function invalidAncestor(node: Pick<ChainSource, "chain">, from: Hash | undefined) {
  let e = from ? node.chain.getEntry(from) : undefined;
  let found: { height: number; hash: Hash; reason: string; detail?: string; plain: string } | undefined;
  for (let i = 0; e && i < 1000 && !node.chain.isActive(e); i++) {
    if (e.status === "invalid" && e.invalidReason) {
      const [reason, ...rest] = e.invalidReason.split(": ");
      if (reason !== "bad-prevblk")
        found = { height: e.height, hash: e.hash, reason, ...(rest.length ? { detail: rest.join(": ") } : {}), plain: explain(reason) };
    }
    e = node.chain.getEntry(e.header.prevHash);
  }
  return found;
}

/**
 * The workshop's extra API: mining controls and demo progress (loopback or the RPC token),
 * the coins each block consumed and created, raw blocks to tamper with and POST /api/block to
 * submit one (anyone may, as anyone may send a block to the P2P port; but, as for POST /api/tx,
 * only as JSON from this node's page or an origin allowed with --web-origin).
 */
/** What the workshop reaches: the chain and pool to show, the miner to steer, where a posted block goes. */
export type WorkshopNode = ChainSource &
  PoolSource &
  MinerSource &
  Clock &
  Pick<Submitter, "submitBlock"> &
  Pick<Reporter, "emit"> & { readonly config: Pick<NodeConfig, "mineTo">; readonly rpcToken: string };

export function createWorkshopApi(node: WorkshopNode, views: Views, access: WebAccess) {
  const hrp = node.params.hrp;
  let demo: { event: DemoEvent; at: number } | undefined;
  const addr = (pubkey: Uint8Array) => encodeAddress(pubkey, hrp);
  const automineTo = node.config.mineTo;

  const mining = () => ({
    paused: node.miner.isPaused,
    automatic: node.miner.isAutomatic,
    mineTo: automineTo ?? null,
    pool: node.mempool.size,
  });

  const guard = (req: IncomingMessage, what: string) => {
    sameSite(req);
    if (!trusted(req, node.rpcToken))
      throw new HttpError(
        403,
        `${what} is allowed from the node's own machine, or with the RPC token: give it on the page (or send Authorization: Bearer TOKEN)`,
      );
  };

  async function postMining(req: IncomingMessage) {
    guard(req, "steering the miner");
    const body = await jsonBody(req, MAX_NOTE_BODY, '{"action": "pause" | "resume" | "mine", "to": "lab1…"}');
    const action = body.action;
    if (action === "pause") {
      node.miner.pause();
      node.emit({ type: "mining", paused: true, line: "mining paused from the page: transactions wait in the pool" });
      return { ...mining(), said: "Mining is paused: new transactions wait in the pool until you mine a block or resume." };
    }
    if (action === "resume") {
      node.miner.resume();
      node.emit({ type: "mining", paused: false, line: "mining resumed from the page" });
      return { ...mining(), said: "Mining goes on." };
    }
    if (action === "mine") {
      const to = body.to === undefined ? automineTo : text(body.to, "to", 200);
      if (!to) throw new HttpError(400, 'this node has no --mine-to address: say who gets the reward, {"action": "mine", "to": "lab1…"}');
      const d = decodeAddress(to, hrp);
      if (!d.ok) throw new HttpError(400, `to: ${d.error}`);
      const r = await node.miner.mineOne(d.pubkey);
      if (!r.ok) throw new HttpError(500, `the mined block was refused: ${r.reason}${r.detail ? `: ${r.detail}` : ""}`);
      node.emit({ type: "mining", paused: node.miner.isPaused, line: `one block mined from the page: #${r.height}` });
      return { ...mining(), hash: r.hash, height: r.height, said: `Block #${r.height} mined; its reward goes to ${to}.` };
    }
    throw new HttpError(400, `"action" must be "pause", "resume" or "mine", got ${JSON.stringify(action ?? null)}`);
  }

  async function postDemo(req: IncomingMessage) {
    guard(req, "announcing a demo");
    const b = await jsonBody(req, MAX_NOTE_BODY, '{"name": "overspend", "step": 3, "total": 6, "text": "…", "done": false}');
    const event: DemoEvent = {
      type: "demo",
      name: text(b.name, "name", 40),
      step: count(b.step, "step", 1000),
      total: count(b.total, "total", 1000),
      text: b.done === true && b.text === undefined ? "finished" : text(b.text, "text"),
      done: b.done === true,
    };
    demo = event.done ? undefined : { event, at: node.now() };
    node.emit(event);
    return { ok: true };
  }

  async function postBlock(req: IncomingMessage) {
    refuseOtherPages(req, access, "POST /api/block", "submit blocks to");
    const body = await jsonBody(req, MAX_BLOCK_BODY, '{"hex": "01000000…"}');
    const hex = typeof body.hex === "string" ? body.hex.trim().toLowerCase() : "";
    if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw new HttpError(400, "hex must be the block's bytes as hexadecimal digits, an even number");
    const d = decodeBlock(hex);
    if (!d.ok) return { status: 422, body: { ok: false, reason: d.reason, detail: d.detail, plain: explain(d.reason) } };
    const r = await node.submitBlock(d.block, "web");
    // a branch the node tried and found broken: the block that broke the rule says why
    const cause = r.ok && r.active ? undefined : invalidAncestor(node, d.block.header.prevHash);
    if (!r.ok) {
      return {
        status: 422,
        body: {
          ok: false,
          hash: r.hash,
          reason: r.reason,
          ...(r.detail ? { detail: r.detail } : {}),
          plain: explain(r.reason),
          ...(cause ? { cause } : {}),
        },
      };
    }
    return {
      status: 200,
      body: {
        ok: true,
        hash: r.hash,
        height: r.height,
        active: r.active,
        plain: blockOutcome(node, r.active),
        ...(cause ? { cause } : {}),
      },
    };
  }

  /** The block's bytes and where it stands: the material of the tamper view. */
  async function rawBlock(id: string) {
    const e = views.entryById(id);
    const block = e.hasData ? await node.chain.getBlock(e.hash) : undefined;
    if (!block) throw new HttpError(404, `the node keeps no body for block ${e.hash}`);
    const active = node.chain.isActive(e);
    const next = active ? node.chain.atHeight(e.height + 1) : undefined;
    return {
      hash: e.hash,
      height: e.height,
      active,
      hex: bytesToHex(encodeBlock(block)),
      nextHash: next?.hash ?? null,
      tip: node.chain.height,
      powLimit: `0x${node.params.powLimit.toString(16)}`,
    };
  }

  /** Coins consumed and created by a block, with their owners: the UTXO set changes one block at a time. */
  async function blockCoins(id: string) {
    const e = views.entryById(id);
    const block = e.hasData ? await node.chain.getBlock(e.hash) : undefined;
    if (!block) throw new HttpError(404, `the node keeps no body for block ${e.hash}`);
    const undo: Coin[] | undefined = e.status === "valid" ? await node.chain.getUndo(e.hash) : undefined;
    const consumed: object[] = [];
    const created: object[] = [];
    let u = 0;
    let consumedTotal = 0n;
    let createdTotal = 0n;
    let consumedCount = 0;
    let createdCount = 0;
    for (const tx of block.txs) {
      const id = txid(tx);
      if (!isCoinbase(tx)) {
        for (const i of tx.inputs) {
          const c = undo?.[u++];
          consumedCount++;
          if (c) consumedTotal += c.value;
          if (consumed.length < MAX_COINS)
            consumed.push({
              txid: i.prevTxid,
              vout: i.vout,
              by: id,
              ...(c ? { value: c.value, address: addr(c.pubkey), coinbase: c.coinbase, height: c.height } : {}),
            });
        }
      }
      tx.outputs.forEach((o, n) => {
        createdCount++;
        createdTotal += o.value;
        if (created.length >= MAX_COINS) return;
        const byChain = node.index.spentBy.get(`${id}:${n}`);
        const at = byChain ? node.index.txs.get(byChain) : undefined;
        const byPool = node.mempool.spenderOf(id, n);
        created.push({
          txid: id,
          vout: n,
          value: o.value,
          address: addr(o.pubkey),
          coinbase: isCoinbase(tx),
          spent: byChain && at ? { txid: byChain, in: "chain", height: at.height } : byPool ? { txid: byPool, in: "pool" } : null,
        });
      });
    }
    return {
      hash: e.hash,
      height: e.height,
      active: node.chain.isActive(e),
      known: undo !== undefined,
      consumed,
      created,
      consumedCount,
      createdCount,
      consumedTotal,
      createdTotal,
      consumedCoins: formatCoins(consumedTotal),
      createdCoins: formatCoins(createdTotal),
    };
  }

  const get: Record<string, (parts: string[]) => unknown> = {
    mining: () => mining(),
    demo: () => (demo && node.now() - demo.at < DEMO_STALE_S ? demo.event : null),
    rawblock: ([id]) => rawBlock(id ?? ""),
    blockcoins: ([id]) => blockCoins(id ?? ""),
  };
  const post: Record<string, (req: IncomingMessage) => Promise<unknown>> = {
    mining: postMining,
    demo: postDemo,
  };

  /** Answers the workshop's /api/ paths; false for any other path (the public API answers those). */
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const [, api, name = "", ...parts] = url.pathname.split("/");
    if (api !== "api") return false;
    const isBlockPost = name === "block" && parts.length === 0 && req.method === "POST";
    if (!Object.hasOwn(get, name) && !isBlockPost) return false;
    try {
      if (isBlockPost) {
        const { status, body } = await postBlock(req);
        sendJson(res, status, body);
        return true;
      }
      const wantsArg = name === "rawblock" || name === "blockcoins";
      if (parts.length !== (wantsArg ? 1 : 0)) throw new HttpError(404, `no API ${url.pathname}`);
      if (req.method === "POST" && Object.hasOwn(post, name)) sendJson(res, 200, await post[name](req));
      else if (req.method === "GET" || req.method === "HEAD") sendJson(res, 200, await get[name](parts));
      else throw new HttpError(405, `${url.pathname} takes ${Object.hasOwn(post, name) ? "GET or POST" : "GET"}`);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      sendHttpError(req, res, e);
    }
    return true;
  };
}
