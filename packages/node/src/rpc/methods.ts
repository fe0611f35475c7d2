import {
  type Block,
  type BlockIndexEntry,
  bytesToHex,
  decodeBlock,
  decodeTx,
  encodeAddress,
  encodeBlock,
  encodeTx,
  feeRatePerKb,
  type Hash,
  isCoinbase,
  parseCoins,
  type Transaction,
  txid,
  txSize,
  verifyLedger,
} from "@utxolab/core";
import type { Mempool } from "@utxolab/mempool";
import { addressInfo } from "../addressinfo.js";
import type { Clock } from "../clock.js";
import type { ChainSource, Lifecycle, MinerSource, PeersSource, PoolSource, Reporter, Submitter } from "../parts.js";
import { blockConfirmations, findTx, txAmounts, txConfirmations } from "../query.js";
import { template } from "../template.js";
import { peersOf, RPC, RpcError } from "./errors.js";
import { Params } from "./params.js";

/** What a method may know of its call: `signal` aborts when the client has gone (a long wait can stop). */
export interface CallContext {
  readonly signal?: AbortSignal;
}

export type MethodImpls = Record<string, (params: unknown[], ctx?: CallContext) => unknown | Promise<unknown>>;

/** Reasons that mean "the inputs are not there" get -25; "already in the chain" -27; other rule breaks -26. */
export function txRejectError(r: { reason: string; detail?: string }): RpcError {
  const data = r.detail;
  if (r.reason === "bad-txns-inputs-missingorspent") return new RpcError(RPC.VERIFY_ERROR, r.reason, data);
  if (r.reason === "txn-already-known") return new RpcError(RPC.ALREADY_IN_CHAIN, r.reason, data);
  return new RpcError(RPC.VERIFY_REJECTED, r.reason, data);
}

/** What the chain, pool, mining and network methods reach; `testmempoolaccept` dry-runs the pool's accept. */
export type MethodsNode = ChainSource &
  PoolSource & { readonly mempool: Pick<Mempool, "accept"> } & Submitter &
  Pick<Reporter, "info"> &
  PeersSource &
  MinerSource &
  Lifecycle &
  Clock;

export function methods(node: MethodsNode): MethodImpls {
  const chain = node.chain;
  const params = node.params;
  const hrp = params.hrp;
  const addr = (pk: Uint8Array) => encodeAddress(pk, hrp);

  const entryOf = (hash: Hash): BlockIndexEntry => {
    const e = chain.getEntry(hash);
    if (!e?.hasData) throw new RpcError(RPC.NOT_FOUND, `block not found: ${hash}`);
    return e;
  };

  const blockOf = async (e: BlockIndexEntry): Promise<Block> => {
    const b = await chain.getBlock(e.hash);
    if (!b) throw new RpcError(RPC.NOT_FOUND, `block not found: ${e.hash}`);
    return b;
  };

  /** The value and key an input spends, from the chain, the pool, or the index of confirmed txs. */
  const spentOutput = async (prev: Hash, vout: number) => {
    const c = chain.utxos.getCoin(prev, vout);
    if (c) return { value: c.value, pubkey: c.pubkey };
    const p = node.mempool.get(prev);
    if (p) return p.tx.outputs[vout];
    const loc = node.index.txs.get(prev);
    if (loc) {
      const b = await chain.getBlock(loc.block);
      return b?.txs[loc.index].outputs[vout];
    }
    return undefined;
  };

  const txVerbose = async (tx: Transaction, at?: { block: Hash }) => {
    const id = txid(tx);
    const cb = isCoinbase(tx);
    const spent = [];
    const inputs = [];
    for (const i of tx.inputs) {
      const prev = cb ? undefined : await spentOutput(i.prevTxid, i.vout);
      spent.push(prev);
      inputs.push({
        prevTxid: i.prevTxid,
        vout: i.vout,
        witness: bytesToHex(i.witness),
        ...(prev ? { value: prev.value.toString(), address: addr(prev.pubkey) } : {}),
      });
    }
    const outputs = tx.outputs.map((o, n) => {
      const spentBy = node.index.spentBy.get(`${id}:${n}`) ?? node.mempool.spenderOf(id, n);
      return { n, value: o.value.toString(), pubkey: bytesToHex(o.pubkey), address: addr(o.pubkey), ...(spentBy ? { spentBy } : {}) };
    });
    const { fee } = txAmounts(tx, spent);
    const entry = at ? chain.getEntry(at.block) : undefined;
    return {
      txid: id,
      hex: bytesToHex(encodeTx(tx)),
      size: txSize(tx),
      version: tx.version,
      locktime: tx.locktime,
      coinbase: cb,
      inputs,
      outputs,
      ...(fee !== undefined ? { fee: fee.toString() } : {}),
      ...(entry ? { blockHash: entry.hash, blockHeight: entry.height } : {}),
      confirmations: txConfirmations(chain, at),
      ...(node.mempool.has(id) ? { inMempool: true } : {}),
    };
  };

  const decodeTxParam = (hex: string): Transaction => {
    const d = decodeTx(hex);
    if (!d.ok) throw new RpcError(RPC.DESERIALIZATION, "tx-decode-failed", d.detail);
    return d.tx;
  };

  /**
   * Core's maxfeerate, in coins per 1,000 bytes (a number or a decimal string); 0 or absent: no
   * limit. Core defaults to 0.10; we set none, since devnet tests and demos often burn coins as fee.
   */
  const maxFeeRateParam = (v: unknown): bigint | undefined => {
    if (v === undefined || v === null) return undefined;
    const parsed = parseCoins(typeof v === "number" ? v.toFixed(8).replace(/\.?0+$/, "") : String(v), "maxfeerate");
    if (!parsed.ok) throw new RpcError(RPC.INVALID_PARAMETER, `maxfeerate: ${parsed.error} (coins per 1,000 bytes, e.g. 0.1)`);
    return parsed.value === 0n ? undefined : parsed.value;
  };
  /** Refuses, before the pool sees it, a transaction whose fee rate is above `maxPerKvB` units per 1,000 bytes. */
  const refuseAboveFeeRate = (tx: Transaction, maxPerKvB: bigint): void => {
    const { fee } = txAmounts(
      tx,
      tx.inputs.map((inp) => node.mempool.getCoin(inp.prevTxid, inp.vout)),
    );
    if (fee === undefined) return; // a coin is unknown: the pool refuses it anyway, with the reason
    const size = BigInt(txSize(tx));
    if (fee > 0n && fee * 1000n > maxPerKvB * size) {
      throw new RpcError(
        RPC.VERIFY_ERROR,
        "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)",
        `fee ${fee} units for ${size} bytes is ${feeRatePerKb(fee, size)} units per 1,000 bytes, above maxfeerate ${maxPerKvB}`,
      );
    }
  };

  return {
    getblockchaininfo: (p) => {
      new Params("getblockchaininfo", p, 0);
      return {
        network: params.name,
        genesisHash: node.genesisHash,
        height: chain.height,
        bestBlockHash: chain.tip.hash,
        chainWork: chain.tip.chainWork.toString(),
        mempoolSize: node.mempool.size,
        mempoolBytes: node.mempool.bytes,
        medianTime: chain.medianTimePast(chain.tip),
      };
    },

    getblockhash: (p) => {
      const h = new Params("getblockhash", p, 1).int(0, "height", 0, 0xffffffff);
      const e = chain.atHeight(h);
      if (!e) throw new RpcError(RPC.INVALID_PARAMETER, `block height ${h} is out of range: the tip is at height ${chain.height}`);
      return e.hash;
    },

    getblock: async (p) => {
      const ps = new Params("getblock", p, 2);
      const e = entryOf(ps.blockHash(0, "blockhash"));
      const verbose = ps.bool(1, "verbose");
      const b = await blockOf(e);
      if (!verbose) return bytesToHex(encodeBlock(b));
      const next = chain.isActive(e) ? chain.atHeight(e.height + 1) : undefined;
      return {
        hash: e.hash,
        height: e.height,
        version: e.header.version,
        prevHash: e.header.prevHash,
        merkleRoot: e.header.merkleRoot,
        time: e.header.time,
        bits: e.header.bits,
        nonce: e.header.nonce,
        txids: b.txs.map(txid),
        size: e.size,
        confirmations: blockConfirmations(chain, e),
        chainWork: e.chainWork.toString(),
        status: e.status,
        ...(next ? { nextHash: next.hash } : {}),
      };
    },

    getrawtransaction: async (p) => {
      const ps = new Params("getrawtransaction", p, 2);
      const id = ps.hash(0, "txid");
      const verbose = ps.bool(1, "verbose");
      const f = await findTx(node, id);
      if (!f) throw new RpcError(RPC.NOT_FOUND, `no transaction ${id} in the pool or the best chain`);
      return verbose ? txVerbose(f.tx, f.at) : bytesToHex(encodeTx(f.tx));
    },

    decoderawtransaction: (p) => {
      const tx = decodeTxParam(new Params("decoderawtransaction", p, 1).rawHex(0, "hexstring", "tx-decode-failed"));
      return txVerbose(tx);
    },

    sendrawtransaction: async (p) => {
      const params = new Params("sendrawtransaction", p, 2);
      const tx = decodeTxParam(params.rawHex(0, "hexstring", "tx-decode-failed"));
      const maxRate = maxFeeRateParam(p[1]);
      if (maxRate !== undefined) refuseAboveFeeRate(tx, maxRate);
      const r = await node.submitTxVerified(tx, "rpc");
      if (!r.ok) throw txRejectError(r);
      return r.txid;
    },

    testmempoolaccept: (p) => {
      const list = new Params("testmempoolaccept", p, 1).array(0, "rawtxs");
      if (list.length === 0 || list.length > 25) {
        throw new RpcError(RPC.INVALID_PARAMETER, `testmempoolaccept takes 1 to 25 transactions, got ${list.length}`);
      }
      return list.map((hex, i) => {
        if (typeof hex !== "string") throw new RpcError(RPC.INVALID_PARAMS, `testmempoolaccept: item ${i} must be a hex string`);
        // as Core: a transaction that does not decode fails the whole call with -22
        const d = decodeTx(hex);
        if (!d.ok) throw new RpcError(RPC.DESERIALIZATION, "tx-decode-failed", `rawtxs item ${i}: ${d.detail}`);
        const r = node.mempool.accept(d.tx, { dryRun: true });
        return r.ok
          ? { txid: r.txid, allowed: true, fee: r.fee.toString(), size: r.size }
          : { txid: txid(d.tx), allowed: false, reason: r.reason, ...(r.detail ? { detail: r.detail } : {}) };
      });
    },

    getrawmempool: (p) => {
      new Params("getrawmempool", p, 0);
      return node.mempool.entries().map((e) => e.txid);
    },

    getmempoolentry: (p) => {
      const id = new Params("getmempoolentry", p, 1).hash(0, "txid");
      const e = node.mempool.get(id);
      if (!e) throw new RpcError(RPC.NOT_FOUND, `transaction ${id} is not in the pool`);
      return {
        size: e.size,
        fee: e.fee.toString(),
        feeRate: Number(feeRatePerKb(e.fee, e.size)) / 1000,
        ancestors: e.ancestorCount,
        descendants: e.descendantCount,
        time: e.time,
        height: e.height,
        parents: [...e.parents],
        children: [...e.children],
      };
    },

    gettxout: (p) => {
      const ps = new Params("gettxout", p, 2);
      const id = ps.hash(0, "txid");
      const vout = ps.int(1, "vout", 0, 0xffffffff);
      if (node.mempool.spenderOf(id, vout)) return null;
      const c = chain.utxos.getCoin(id, vout);
      if (c) {
        return {
          value: c.value.toString(),
          address: addr(c.pubkey),
          confirmations: chain.height - c.height + 1,
          coinbase: c.coinbase,
          height: c.height,
        };
      }
      const pe = node.mempool.get(id);
      const o = pe?.tx.outputs[vout];
      if (o) return { value: o.value.toString(), address: addr(o.pubkey), confirmations: 0, coinbase: false };
      return null;
    },

    getaddressinfo: (p) => {
      const { address, pubkey } = new Params("getaddressinfo", p, 1).address(0, "address", params);
      return addressInfo(node, address, pubkey);
    },

    generatetoaddress: async (p) => {
      const ps = new Params("generatetoaddress", p, 2);
      const n = ps.int(0, "nblocks", 1, 10_000);
      const { pubkey } = ps.address(1, "address", params);
      return node.miner.generate(n, pubkey);
    },

    submitblock: async (p) => {
      const hex = new Params("submitblock", p, 1).rawHex(0, "hexdata", "block-decode-failed");
      const d = decodeBlock(hex);
      if (!d.ok) throw new RpcError(RPC.DESERIALIZATION, "block-decode-failed", d.detail);
      const r = await node.submitBlock(d.block, "rpc");
      return r.ok ? null : r.reason;
    },

    getblocktemplate: (p) => {
      const ps = new Params("getblocktemplate", p, 1);
      if (p[0] !== undefined && p[0] !== null) ps.address(0, "address", params);
      const t = template(node);
      return {
        height: t.height,
        prevHash: t.prevHash,
        bits: t.bits,
        time: t.time,
        minTime: t.minTime,
        txs: t.txs.map((tx) => ({
          txid: txid(tx),
          hex: bytesToHex(encodeTx(tx)),
          fee: node.mempool.get(txid(tx))?.fee.toString() ?? "0",
          size: txSize(tx),
        })),
        fees: t.fees.toString(),
        subsidy: t.subsidy.toString(),
        coinbaseValue: t.coinbaseValue.toString(),
      };
    },

    getpeerinfo: (p) => {
      new Params("getpeerinfo", p, 0);
      return peersOf(node).peerInfo();
    },

    addnode: (p) => {
      const url = new Params("addnode", p, 1).string(0, "url");
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw new RpcError(RPC.INVALID_PARAMETER, `addnode: ${JSON.stringify(url)} is not a URL; give ws://HOST:PORT`);
      }
      if (u.protocol !== "ws:" && u.protocol !== "wss:") {
        throw new RpcError(RPC.INVALID_PARAMETER, `addnode: ${url} must start with ws:// (a peer's P2P address)`);
      }
      try {
        peersOf(node).addPeer(url);
      } catch (e) {
        // a URL the peer layer cannot dial (port 0, out of range) is the caller's mistake, not ours
        throw new RpcError(RPC.INVALID_PARAMETER, `addnode: ${(e as Error).message}`);
      }
      return null;
    },

    getmemoryinfo: (p) => {
      new Params("getmemoryinfo", p, 0);
      const m = process.memoryUsage();
      const mb = (x: number) => Math.round(x / 1048576);
      return {
        rssMB: mb(m.rss),
        heapUsedMB: mb(m.heapUsed),
        heapTotalMB: mb(m.heapTotal),
        externalMB: mb(m.external),
        arrayBuffersMB: mb(m.arrayBuffers),
        utxos: chain.utxos.size,
        verifier: node.verifierInfo(),
      };
    },

    setnetworkactive: (p) => {
      const on = new Params("setnetworkactive", p, 1).bool(0, "state");
      peersOf(node).setNetworkActive(on);
      node.info(on ? "network enabled: connecting to peers again" : "network disabled: every peer dropped, new ones refused");
      return null;
    },

    verifyledger: async (p) => {
      new Params("verifyledger", p, 0);
      return chain.run(async () => {
        const height = chain.height;
        const blocks = (async function* () {
          for (let h = 0; h <= height; h++) {
            const e = chain.atHeight(h) as BlockIndexEntry;
            const b = await chain.getBlock(e.hash);
            if (!b) throw new RpcError(RPC.INTERNAL, `block ${e.hash} at height ${h} is missing from storage`);
            yield { height: h, block: b };
          }
        })();
        const r = await verifyLedger(blocks, chain.utxos, params);
        return {
          height: r.height,
          utxos: r.utxos,
          supply: r.supply.toString(),
          expectedMaxSupply: r.expectedMaxSupply.toString(),
          negative: r.negative,
          ok: r.ok,
          ...(r.problems.length ? { problems: r.problems } : {}),
        };
      });
    },

    stop: (p) => {
      new Params("stop", p, 0);
      setTimeout(() => {
        node.stop().then(
          () => node.onStopped?.(),
          () => node.onStopped?.(),
        );
      }, 10);
      return null;
    },
  };
}
