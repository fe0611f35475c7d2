import { isRefusal, type RpcClient } from "@utxolab/client";
import {
  type Amount,
  blockHash,
  bytesToHex,
  decodeBlock,
  decodeTx,
  type Hash,
  isHash,
  outpointKey,
  type Transaction,
  txid,
} from "@utxolab/core";
import type { Wallet } from "./wallet.js";
import type { CoinRecord, SentRecord } from "./walletfile.js";

/** A transaction waiting in the node's pool that pays or spends the wallet. */
export interface PendingTx {
  txid: Hash;
  tx: Transaction;
  /** the wallet's confirmed coins it spends */
  spends: CoinRecord[];
  /** its outputs paying the wallet */
  receives: { vout: number; value: Amount; pubkey: string }[];
  /** the wallet broadcast it */
  sent: boolean;
}

export interface WalletView {
  tipHeight: number;
  tipHash: Hash;
  pending: PendingTx[];
  /** outpoint → txid of the waiting transaction that spends it */
  spentByPending: Map<string, Hash>;
  /** transactions this wallet sent that are neither confirmed nor in the pool */
  dropped: SentRecord[];
}

interface ChainInfo {
  height: number;
  bestBlockHash: Hash;
  genesisHash: Hash;
  network?: string;
}

const BATCH = 32;
const MEMPOOL_CONCURRENCY = 16;

/** The node's chain changed under the scan; `cause` is the node's answer that showed it. */
class ChainMoved extends Error {
  constructor(readonly why?: unknown) {
    super("the chain moved during the scan");
  }
}

async function getInfo(w: Wallet, rpc: RpcClient): Promise<ChainInfo> {
  const info = await rpc.call<ChainInfo>("getblockchaininfo");
  if (typeof info !== "object" || info === null || !Number.isSafeInteger(info.height) || !isHash(info.bestBlockHash)) {
    throw new Error(`the node answered getblockchaininfo with ${JSON.stringify(info)}; is --rpc a utxolab node?`);
  }
  if (info.genesisHash !== w.data.genesisHash) {
    throw new Error(
      `the node is on another network (genesis ${info.genesisHash}, network ${info.network ?? "?"}); wallet ${w.file} is for ${w.data.network} (genesis ${w.data.genesisHash})`,
    );
  }
  return info;
}

async function hashAt(rpc: RpcClient, height: number): Promise<Hash> {
  try {
    const h = await rpc.call<unknown>("getblockhash", [height]);
    if (!isHash(h)) throw new Error(`the node answered getblockhash ${height} with ${JSON.stringify(h)}`);
    return h;
  } catch (e) {
    // The chain got shorter between two calls: a reorganization; start over.
    if (isRefusal(e)) throw new ChainMoved(e);
    throw e;
  }
}

async function blockAt(rpc: RpcClient, hash: Hash) {
  let hex: unknown;
  try {
    hex = await rpc.call<unknown>("getblock", [hash, false]);
  } catch (e) {
    if (isRefusal(e)) throw new ChainMoved(e);
    throw e;
  }
  if (typeof hex !== "string") throw new Error(`the node answered getblock ${hash} with ${JSON.stringify(hex)}, not hex`);
  const d = decodeBlock(hex);
  if (!d.ok) throw new Error(`the node sent block ${hash} that does not decode: ${d.detail}`);
  if (blockHash(d.block.header) !== hash) throw new Error(`the node sent a block whose hash is not ${hash}`);
  return d.block;
}

/** Walks back the scanned blocks until one is still on the node's best chain. */
async function findFork(w: Wallet, rpc: RpcClient, tipHeight: number): Promise<void> {
  let rolled = false;
  while (w.data.sync.recent.length > 0) {
    const h = w.syncHeight;
    if (h <= tipHeight && (await hashAt(rpc, h)) === w.syncHash) return;
    w.rollbackTip();
    rolled = true;
  }
  // Deeper than the remembered hashes: only a full rescan is certain.
  if (rolled) w.resetSync(0);
}

/**
 * Brings the wallet up to the node's best chain: undoes blocks that left it
 * (reorganization), scans new ones, then reads the pool for pending payments.
 */
export async function syncWallet(w: Wallet, rpc: RpcClient, opts: { mempool?: boolean } = {}): Promise<WalletView> {
  let info: ChainInfo | undefined;
  for (let attempt = 0; ; attempt++) {
    info = await getInfo(w, rpc);
    try {
      await findFork(w, rpc, info.height);
      while (w.syncHeight < info.height) {
        const from = w.syncHeight + 1;
        const heights = Array.from({ length: Math.min(BATCH, info.height - from + 1) }, (_, i) => from + i);
        const hashes = await Promise.all(heights.map((h) => hashAt(rpc, h)));
        const blocks = await Promise.all(hashes.map((h) => blockAt(rpc, h)));
        for (let i = 0; i < blocks.length; i++) {
          const prev = w.syncHash;
          if (prev !== undefined && blocks[i].header.prevHash !== prev) throw new ChainMoved();
          w.applyBlock(blocks[i], heights[i]);
        }
      }
      break;
    } catch (e) {
      if (!(e instanceof ChainMoved)) throw e;
      if (attempt >= 20) throw e.why instanceof Error ? e.why : new Error("the node's chain kept changing during the scan; try again");
    }
  }
  const view: WalletView = {
    tipHeight: w.syncHeight,
    tipHash: w.syncHash ?? info.bestBlockHash,
    pending: [],
    spentByPending: new Map(),
    dropped: [],
  };
  if (opts.mempool !== false) await readMempool(w, rpc, view);
  return view;
}

async function readMempool(w: Wallet, rpc: RpcClient, view: WalletView): Promise<void> {
  const ids = await rpc.call<unknown>("getrawmempool");
  if (!Array.isArray(ids)) throw new Error(`the node answered getrawmempool with ${JSON.stringify(ids)}, not a list`);
  const inPool = new Set(ids.filter(isHash));
  const sentHex = new Map(w.data.sent.map((s) => [s.txid, s.hex]));
  const list = [...inPool];
  const txs: Transaction[] = [];
  for (let i = 0; i < list.length; i += MEMPOOL_CONCURRENCY) {
    const chunk = list.slice(i, i + MEMPOOL_CONCURRENCY);
    const got = await Promise.all(
      chunk.map(async (id) => {
        const known = sentHex.get(id);
        if (known) return known;
        try {
          return await rpc.call<unknown>("getrawtransaction", [id, false]);
        } catch (e) {
          if (isRefusal(e)) return undefined; // mined or evicted meanwhile
          throw e;
        }
      }),
    );
    for (const hex of got) {
      if (typeof hex !== "string") continue;
      const d = decodeTx(hex);
      if (d.ok) txs.push(d.tx);
    }
  }
  for (const tx of txs) {
    for (const inp of tx.inputs) view.spentByPending.set(outpointKey(inp.prevTxid, inp.vout), txid(tx));
  }
  for (const tx of txs) {
    const id = txid(tx);
    const spends: CoinRecord[] = [];
    for (const inp of tx.inputs) {
      const c = w.coins.get(outpointKey(inp.prevTxid, inp.vout));
      if (c) spends.push(c);
    }
    const receives: PendingTx["receives"] = [];
    tx.outputs.forEach((o, vout) => {
      const pk = bytesToHex(o.pubkey);
      if (w.isMine(pk)) receives.push({ vout, value: o.value, pubkey: pk });
    });
    if (spends.length > 0 || receives.length > 0) view.pending.push({ txid: id, tx, spends, receives, sent: sentHex.has(id) });
  }
  for (const s of w.data.sent) {
    if (inPool.has(s.txid)) continue;
    const d = decodeTx(s.hex);
    // A dropped transaction whose coins a confirmed one has spent can never confirm: forget it.
    if (!d.ok || d.tx.inputs.some((i) => !w.coins.has(outpointKey(i.prevTxid, i.vout)))) w.forgetSent(s.txid);
    else view.dropped.push(s);
  }
}

export interface Balance {
  /** confirmed, mature, not being spent by a waiting transaction */
  spendable: bigint;
  /** coinbase rewards younger than coinbaseMaturity blocks */
  immature: bigint;
  /** outputs paying the wallet in waiting transactions (not themselves being spent) */
  pendingIn: bigint;
  /** the wallet's confirmed coins that waiting transactions spend */
  pendingOut: bigint;
  /** the part of pendingIn that is the wallet's own change: spendable now (trusted, as Core's) */
  trustedPending: bigint;
  coins: number;
}

export function balanceOf(w: Wallet, view: WalletView): Balance {
  const b: Balance = { spendable: 0n, immature: 0n, pendingIn: 0n, pendingOut: 0n, trustedPending: 0n, coins: w.coins.size };
  for (const [k, c] of w.coins) {
    if (view.spentByPending.has(k)) b.pendingOut += c.value;
    else if (!w.isMature(c, view.tipHeight)) b.immature += c.value;
    else b.spendable += c.value;
  }
  for (const p of view.pending) {
    for (const r of p.receives) if (!view.spentByPending.has(outpointKey(p.txid, r.vout))) b.pendingIn += r.value;
  }
  for (const c of trustedPendingCoins(w, view)) b.trustedPending += c.value;
  return b;
}

/**
 * Unspent outputs of waiting transactions the wallet may spend now, as Core's "trusted
 * pending": outputs paying the wallet of a transaction whose every input is its own (a
 * confirmed coin, or an output of another such transaction). Only this wallet's keys could
 * have signed such a transaction, so its outputs are the wallet's change (or a payment to
 * itself), whether or not this copy of the wallet sent it. A payment from someone else
 * stays untrusted until it confirms. The view is rebuilt from the
 * node's pool at each sync, so a parent that conflicts, is evicted or leaves in a
 * reorganization takes these outputs with it.
 */
export function trustedPendingCoins(w: Wallet, view: WalletView): CoinRecord[] {
  const trusted = new Set<Hash>();
  // parents come before children in the pool's order, but a fixed point needs no order
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of view.pending) {
      if (trusted.has(p.txid)) continue;
      const own = p.tx.inputs.every((i) => w.coins.has(outpointKey(i.prevTxid, i.vout)) || trusted.has(i.prevTxid));
      if (own) {
        trusted.add(p.txid);
        changed = true;
      }
    }
  }
  const out: CoinRecord[] = [];
  for (const p of view.pending) {
    if (!trusted.has(p.txid)) continue;
    for (const r of p.receives) {
      if (view.spentByPending.has(outpointKey(p.txid, r.vout))) continue;
      out.push({ txid: p.txid, vout: r.vout, value: r.value, pubkey: r.pubkey, height: view.tipHeight + 1, coinbase: false });
    }
  }
  return out;
}

/** Confirmed, mature coins no waiting transaction spends: what a new payment may use. */
export function spendableCoins(w: Wallet, view: WalletView): CoinRecord[] {
  const out: CoinRecord[] = [];
  for (const [k, c] of w.coins) if (!view.spentByPending.has(k) && w.isMature(c, view.tipHeight)) out.push(c);
  return out;
}
