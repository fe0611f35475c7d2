import { createHash } from "node:crypto";
import { type BlockIndexEntry, bitsToTarget, bytesToHex, encodeCoin, encodeHeader, hexToBytes, type NetworkParams } from "@utxolab/core";
import type { ChainControl, ChainSource, ConfigSource, Lifecycle, PeersSource, PoolSource, Reporter } from "../parts.js";
import { blockConfirmations } from "../query.js";
import { peersOf, RPC, RpcError } from "./errors.js";
import type { MethodImpls } from "./methods.js";
import { Params } from "./params.js";

/** The longest a wait* call holds its request: below the server's 120 s request timeout. */
export const MAX_WAIT_MS = 110_000;
/** Calls waiting for blocks at once; more are refused so idle clients cannot pile up without end. */
export const MAX_WAITERS = 64;
export const NODE_VERSION = 10_000;
export const PROTOCOL_VERSION = 1;

/** Difficulty as Core defines it: the easiest target over the block's target. */
export function difficultyOf(bits: number, params: NetworkParams): number {
  const t = bitsToTarget(bits);
  if (!t.ok || t.target === 0n) return 0;
  const scaled = (params.powLimit * 100_000_000n) / t.target;
  return Number(scaled) / 100_000_000;
}

/**
 * hash_serialized of gettxoutsetinfo: SHA-256 over every unspent output sorted by
 * (txid, vout), each written as txid (32 bytes as its hex reads) || vout (u32 LE) ||
 * the coin as stored (value u64 LE, x-only key 32 bytes, height u32 LE, coinbase u8).
 * Two nodes with the same set get the same hash, whatever order they learned it in.
 */
export function utxoSetHash(entries: Iterable<{ txid: string; vout: number; coin: Parameters<typeof encodeCoin>[0] }>): string {
  const list = [...entries].sort((x, y) => (x.txid < y.txid ? -1 : x.txid > y.txid ? 1 : x.vout - y.vout));
  const h = createHash("sha256");
  const vout = Buffer.alloc(4);
  for (const e of list) {
    h.update(hexToBytes(e.txid));
    vout.writeUInt32LE(e.vout);
    h.update(vout);
    h.update(encodeCoin(e.coin));
  }
  return h.digest("hex");
}

/** Core-shaped read-only methods (blockchain, mempool, network, mining) and the wait calls. */
/** What the information and control methods read: chain (and invalidate/reconsider), pool, peers, how the node runs. */
export type InfoNode = ChainSource & ChainControl & PoolSource & PeersSource & Pick<Reporter, "events"> & Lifecycle & ConfigSource;

export function infoMethods(node: InfoNode): MethodImpls {
  const chain = node.chain;
  const params = node.params;
  let waiters = 0;

  const tipInfo = () => ({ hash: chain.tip.hash, height: chain.height });

  /** Resolves with the tip once `done()` holds after a chain change, or at the timeout. */
  const waitUntil = (done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<{ hash: string; height: number }> => {
    if (done()) return Promise.resolve(tipInfo());
    if (waiters >= MAX_WAITERS) {
      throw new RpcError(RPC.INVALID_PARAMETER, `${MAX_WAITERS} calls are already waiting for blocks: try again when one returns`);
    }
    waiters++;
    const ms = timeoutMs === 0 ? MAX_WAIT_MS : Math.min(timeoutMs, MAX_WAIT_MS);
    return new Promise((resolve) => {
      let off: () => void = () => undefined;
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        off();
        clearTimeout(timer);
        signal?.removeEventListener("abort", finish);
        waiters--;
        resolve(tipInfo());
      };
      const timer = setTimeout(finish, ms);
      timer.unref();
      // a client that hung up frees its slot at once (nobody reads the answer)
      if (signal?.aborted) queueMicrotask(finish);
      signal?.addEventListener("abort", finish, { once: true });
      off = node.events.on((e) => {
        if ((e.type === "block" || e.type === "block-disconnected" || e.type === "reorg") && done()) finish();
      });
    });
  };

  const headerVerbose = (e: BlockIndexEntry) => {
    const next = chain.isActive(e) ? chain.atHeight(e.height + 1) : undefined;
    return {
      hash: e.hash,
      confirmations: blockConfirmations(chain, e),
      height: e.height,
      version: e.header.version,
      versionHex: e.header.version.toString(16).padStart(8, "0"),
      merkleroot: e.header.merkleRoot,
      time: e.header.time,
      mediantime: chain.medianTimePast(e),
      nonce: e.header.nonce,
      bits: e.header.bits.toString(16).padStart(8, "0"),
      difficulty: difficultyOf(e.header.bits, params),
      chainwork: e.chainWork.toString(16).padStart(64, "0"),
      nTx: e.txCount,
      ...(e.parent ? { previousblockhash: e.parent.hash } : {}),
      ...(next ? { nextblockhash: next.hash } : {}),
    };
  };

  return {
    getblockcount: (p) => {
      new Params("getblockcount", p, 0);
      return chain.height;
    },

    getbestblockhash: (p) => {
      new Params("getbestblockhash", p, 0);
      return chain.tip.hash;
    },

    getblockheader: (p) => {
      const ps = new Params("getblockheader", p, 2);
      const hash = ps.blockHash(0, "blockhash");
      const verbose = p[1] === undefined || p[1] === null ? true : ps.bool(1, "verbose");
      const e = chain.getEntry(hash);
      if (!e) throw new RpcError(RPC.NOT_FOUND, `Block not found: ${hash}`);
      return verbose ? headerVerbose(e) : bytesToHex(encodeHeader(e.header));
    },

    getchaintips: (p) => {
      new Params("getchaintips", p, 0);
      const parents = new Set<BlockIndexEntry>();
      for (const e of chain.index.values()) if (e.parent) parents.add(e.parent);
      const tips = [...chain.index.values()].filter((e) => !parents.has(e) || e === chain.tip);
      return tips
        .map((e) => {
          let fork: BlockIndexEntry | undefined = e;
          while (fork && !chain.isActive(fork)) fork = fork.parent;
          const status =
            e === chain.tip
              ? "active"
              : e.status === "invalid"
                ? "invalid"
                : !e.hasData
                  ? "headers-only"
                  : e.status === "valid"
                    ? "valid-fork"
                    : "valid-headers";
          return { height: e.height, hash: e.hash, branchlen: e.height - (fork?.height ?? 0), status };
        })
        .sort((x, y) => y.height - x.height);
    },

    getdifficulty: (p) => {
      new Params("getdifficulty", p, 0);
      return difficultyOf(chain.tip.header.bits, params);
    },

    gettxoutsetinfo: (p) => {
      new Params("gettxoutsetinfo", p, 0);
      // Read on the chain's queue: the set does not change under the hash.
      return chain.run(() => {
        let count = 0;
        let total = 0n;
        const txids = new Set<string>();
        for (const e of chain.utxos.entries()) {
          count++;
          total += e.coin.value;
          txids.add(e.txid);
        }
        return {
          height: chain.height,
          bestblock: chain.tip.hash,
          txouts: count,
          transactions: txids.size,
          total_amount: total.toString(),
          hash_serialized: utxoSetHash(chain.utxos.entries()),
          hash_type: "utxolab-sha256-sorted-v1",
        };
      });
    },

    getmempoolinfo: (p) => {
      new Params("getmempoolinfo", p, 0);
      let fees = 0n;
      for (const e of node.mempool.entries()) fees += e.fee;
      return {
        loaded: true,
        size: node.mempool.size,
        bytes: node.mempool.bytes,
        total_fee: fees.toString(),
        maxmempool: node.mempool.maxBytes,
        minrelaytxfee: (node.mempool.minRelayFeeRate * 1000n).toString(),
        orphans: node.mempool.orphanCount,
      };
    },

    getrawmempool: (p) => {
      const verbose = new Params("getrawmempool", p, 1).bool(0, "verbose");
      const entries = node.mempool.entries();
      if (!verbose) return entries.map((e) => e.txid);
      const out: Record<string, unknown> = {};
      for (const e of entries) {
        out[e.txid] = {
          vsize: e.size,
          size: e.size,
          fee: e.fee.toString(),
          time: e.time,
          height: e.height,
          ancestorcount: e.ancestorCount,
          descendantcount: e.descendantCount,
          depends: [...e.parents],
          spentby: [...e.children],
        };
      }
      return out;
    },

    getnetworkinfo: (p) => {
      new Params("getnetworkinfo", p, 0);
      const peers = peersOf(node).peerInfo();
      const inbound = peers.filter((x) => x.inbound).length;
      return {
        version: NODE_VERSION,
        subversion: "/utxolab:0.1.0/",
        protocolversion: PROTOCOL_VERSION,
        localservices: "0000000000000000",
        localrelay: true,
        timeoffset: 0,
        networkactive: peersOf(node).p2p.networkEnabled,
        connections: peers.length,
        connections_in: inbound,
        connections_out: peers.length - inbound,
        networks: [],
        relayfee: (node.mempool.minRelayFeeRate * 1000n).toString(),
        incrementalfee: (node.mempool.minRelayFeeRate * 1000n).toString(),
        localaddresses: peersOf(node).url ? [{ address: peersOf(node).url }] : [],
        warnings: [],
        // UTXOLab only: which BIP340 backend checks signatures, on how many worker threads
        verifier: node.verifierInfo(),
      };
    },

    getconnectioncount: (p) => {
      new Params("getconnectioncount", p, 0);
      return peersOf(node).peerInfo().length;
    },

    getmininginfo: (p) => {
      new Params("getmininginfo", p, 0);
      return {
        blocks: chain.height,
        bits: params.bits.toString(16).padStart(8, "0"),
        difficulty: difficultyOf(params.bits, params),
        target: (bitsToTarget(params.bits) as { target: bigint }).target.toString(16).padStart(64, "0"),
        pooledtx: node.mempool.size,
        chain: params.name,
        automine: node.config.automine === true,
        mineIntervalMs: node.config.mineIntervalMs ?? null,
        warnings: [],
      };
    },

    estimatesmartfee: (p) => {
      const ps = new Params("estimatesmartfee", p, 2);
      const target = ps.int(0, "conf_target", 1, 1008);
      if (p[1] !== undefined && p[1] !== null) {
        const mode = ps.string(1, "estimate_mode").toLowerCase();
        if (mode !== "conservative" && mode !== "economical" && mode !== "unset") {
          throw new RpcError(
            RPC.INVALID_PARAMETER,
            `Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative"`,
          );
        }
      }
      // From the pool: the fee rate a transaction needs to sit within the first conf_target
      // blocks' worth of waiting transactions (best rate first); the relay minimum when they fit.
      const room = BigInt(params.maxBlockSize) * BigInt(target);
      const rates = node.mempool
        .entries()
        .map((e) => ({ rate: (e.fee * 1000n) / BigInt(e.size), size: BigInt(e.size) }))
        .sort((x, y) => (y.rate > x.rate ? 1 : y.rate < x.rate ? -1 : 0));
      let used = 0n;
      let marginal: bigint | undefined;
      for (const r of rates) {
        used += r.size;
        if (used > room) {
          marginal = r.rate + 1n;
          break;
        }
      }
      const min = node.mempool.minRelayFeeRate * 1000n;
      const feerate = marginal !== undefined && marginal > min ? marginal : min;
      return { feerate: feerate.toString(), blocks: target };
    },

    waitfornewblock: (p, ctx) => {
      const timeout = new Params("waitfornewblock", p, 1).int(0, "timeout", 0, 0x7fffffff, true) ?? 0;
      const start = chain.tip;
      return waitUntil(() => chain.tip !== start, timeout, ctx?.signal);
    },

    waitforblockheight: (p, ctx) => {
      const ps = new Params("waitforblockheight", p, 2);
      const height = ps.int(0, "height", 0, 0x7fffffff);
      const timeout = ps.int(1, "timeout", 0, 0x7fffffff, true) ?? 0;
      return waitUntil(() => chain.height >= height, timeout, ctx?.signal);
    },

    uptime: (p) => {
      new Params("uptime", p, 0);
      return Math.floor((Date.now() - node.startedAt) / 1000);
    },

    invalidateblock: async (p) => {
      const hash = new Params("invalidateblock", p, 1).blockHash(0, "blockhash");
      const e = chain.getEntry(hash);
      if (!e) throw new RpcError(RPC.NOT_FOUND, `Block not found: ${hash}`);
      if (!e.parent) throw new RpcError(RPC.INVALID_PARAMETER, "the genesis block cannot be invalidated");
      await chain.invalidateBlock(hash);
      return null;
    },

    reconsiderblock: async (p) => {
      const hash = new Params("reconsiderblock", p, 1).blockHash(0, "blockhash");
      if (!chain.getEntry(hash)) throw new RpcError(RPC.NOT_FOUND, `Block not found: ${hash}`);
      await chain.reconsiderBlock(hash);
      return null;
    },
  };
}
