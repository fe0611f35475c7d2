import {
  type BlockIndexEntry,
  type BlockTx,
  type BlockView,
  bytesToHex,
  type ChainPage,
  type Coin,
  encodeAddress,
  encodeTx,
  feeRateText,
  type Hash,
  type InputView,
  isCoinbase,
  type OutputView,
  type PoolPage,
  subsidyAt,
  type Transaction,
  type TxView,
  txid,
  txSize,
  type BlockCard as WireBlockCard,
} from "@utxolab/core";
import type { ChainSource, PoolSource } from "../parts.js";
import { blockConfirmations, findTx, txAmounts, txConfirmations } from "../query.js";
import { HttpError } from "./http.js";
import { explain } from "./reasons.js";

/** The page's views, as core's wire module declares them, with amounts as bigint until they are sent. */
type BlockCard = WireBlockCard<bigint>;

/** Fees never change for a block; remembering them keeps a page of cards to one map lookup each. */
const FEE_CACHE_SIZE = 20_000;
const MAX_HEX_BYTES = 10_000;
/** heights above the tip shown on the newest page, and side blocks per page: anyone may submit branches */
const SIDE_ABOVE_TIP = 10;
const SIDE_PER_PAGE = 100;

/** Read-only views of the node's chain, pool and index, shaped for the page. */
export class Views {
  private readonly fees = new Map<Hash, bigint>();

  constructor(private readonly node: ChainSource & PoolSource) {}

  rememberFees(hash: Hash, fees: bigint): void {
    if (this.fees.size >= FEE_CACHE_SIZE) this.fees.delete(this.fees.keys().next().value as Hash);
    this.fees.set(hash, fees);
  }

  private address(pubkey: Uint8Array): string {
    return encodeAddress(pubkey, this.node.params.hrp);
  }

  /** Fees of a connected block: the coins its inputs spent (from undo data) minus what its non-coinbase txs pay. */
  async feesOf(e: BlockIndexEntry): Promise<bigint | null> {
    const known = this.fees.get(e.hash);
    if (known !== undefined) return known;
    if (e.height === 0) return 0n;
    if (!e.hasData || e.status !== "valid") return null;
    const [block, undo] = await Promise.all([this.node.chain.getBlock(e.hash), this.node.chain.getUndo(e.hash)]);
    if (!block || !undo) return null;
    let fees = 0n;
    for (const c of undo) fees += c.value;
    for (const tx of block.txs.slice(1)) for (const o of tx.outputs) fees -= o.value;
    this.rememberFees(e.hash, fees);
    return fees;
  }

  /** `active` is read by the caller before any await, so one page describes one moment of the chain. */
  async card(e: BlockIndexEntry, active = this.node.chain.isActive(e)): Promise<BlockCard> {
    return {
      height: e.height,
      hash: e.hash,
      prevHash: e.header.prevHash,
      time: e.header.time,
      txCount: e.txCount,
      size: e.size,
      fees: await this.feesOf(e),
      status: e.status,
      ...(e.invalidReason ? splitReason(e.invalidReason) : {}),
      active,
    };
  }

  /**
   * A page of the best chain from height `top` down, with every block of another branch at
   * those heights beside it: forks stay visible after a reorganization. The newest page also
   * shows branches that reach above the tip (an invalid block on top of it, most often).
   */
  async chainPage(top: number, limit: number): Promise<ChainPage<bigint>> {
    const chain = this.node.chain;
    const from = Math.min(top, chain.height);
    const to = Math.max(0, from - limit + 1);
    const above = top >= chain.height ? from + SIDE_ABOVE_TIP : from;
    // every entry is chosen before the first await: a block connecting meanwhile cannot mix two chains in one page
    const bestEntries: BlockIndexEntry[] = [];
    for (let h = from; h >= to; h--) {
      const e = chain.atHeight(h);
      if (e) bestEntries.push(e);
    }
    const found: BlockIndexEntry[] = [];
    for (const e of chain.index.values()) {
      if (e.height < to || e.height > above || chain.isActive(e)) continue;
      found.push(e);
    }
    // the oldest side blocks first: a fork's start is what explains it
    found.sort((a, b) => a.height - b.height || a.seq - b.seq);
    const tip = chain.height;
    const best: BlockCard[] = [];
    for (const e of bestEntries) best.push(await this.card(e, true));
    const side: BlockCard[] = [];
    for (const e of found.slice(0, SIDE_PER_PAGE)) side.push(await this.card(e, false));
    side.sort((a, b) => b.height - a.height || a.hash.localeCompare(b.hash));
    return { tip, from, to, best, side, sideOmitted: Math.max(0, found.length - SIDE_PER_PAGE) };
  }

  entryById(id: string): BlockIndexEntry {
    const chain = this.node.chain;
    if (/^[0-9]{1,10}$/.test(id)) {
      const e = chain.atHeight(Number(id));
      if (!e) throw new HttpError(404, `no block at height ${id}: the best chain's tip is at height ${chain.height}`);
      return e;
    }
    if (!/^[0-9a-f]{64}$/.test(id))
      throw new HttpError(400, `a block is named by its height or its 64-hex-digit hash, got ${JSON.stringify(id)}`);
    const e = chain.getEntry(id as Hash);
    if (!e) throw new HttpError(404, `this node knows no block ${id}`);
    return e;
  }

  async block(e: BlockIndexEntry, offset: number, limit: number): Promise<BlockView<bigint>> {
    const chain = this.node.chain;
    const card = await this.card(e);
    const next = card.active ? chain.atHeight(e.height + 1) : undefined;
    const head = {
      ...card,
      version: e.header.version,
      merkleRoot: e.header.merkleRoot,
      bits: e.header.bits,
      nonce: e.header.nonce,
      chainWork: e.chainWork,
      confirmations: blockConfirmations(chain, e, card.active),
      subsidy: subsidyAt(e.height, this.node.params),
      ...(card.invalidReason ? { invalidPlain: explain(card.invalidReason) } : {}),
      ...(next ? { nextHash: next.hash } : {}),
    };
    const block = e.hasData ? await chain.getBlock(e.hash) : undefined;
    if (!block) return { ...head, txs: [], offset, hasBody: false };
    const undo = e.status === "valid" ? await chain.getUndo(e.hash) : undefined;
    // undo holds the coins spent by every non-coinbase input, in block order
    let u = 0;
    const txs: BlockTx<bigint>[] = [];
    for (let i = 0; i < block.txs.length && i < offset + limit; i++) {
      const tx = block.txs[i];
      const cb = isCoinbase(tx);
      let valueIn: bigint | undefined = cb ? undefined : 0n;
      for (const _ of cb ? [] : tx.inputs) {
        const c = undo?.[u++];
        valueIn = c && valueIn !== undefined ? valueIn + c.value : undefined;
      }
      if (i < offset) continue;
      let valueOut = 0n;
      for (const o of tx.outputs) valueOut += o.value;
      const id = txid(tx);
      // without undo data (a block a reorganization took off), a transaction back in the pool still knows its fee
      const fee = valueIn !== undefined ? valueIn - valueOut : cb ? undefined : this.node.mempool.get(id)?.fee;
      txs.push({
        txid: id,
        coinbase: cb,
        inputs: tx.inputs.length,
        outputs: tx.outputs.length,
        valueOut,
        ...(fee !== undefined ? { fee } : {}),
      });
    }
    const reward = block.txs[0] ? block.txs[0].outputs.reduce((s, o) => s + o.value, 0n) : 0n;
    return { ...head, reward, txs, offset, hasBody: true };
  }

  /** The coins a transaction spends, from the block's undo data or from the chain and pool. */
  private async spentCoins(
    tx: Transaction,
    where?: { block: Hash; index: number },
  ): Promise<(Coin | { value: bigint; pubkey: Uint8Array } | undefined)[]> {
    if (isCoinbase(tx)) return [];
    const chain = this.node.chain;
    if (where) {
      const [block, undo] = await Promise.all([chain.getBlock(where.block), chain.getUndo(where.block)]);
      if (block && undo) {
        let u = 0;
        for (let i = 1; i < where.index; i++) u += block.txs[i].inputs.length;
        return tx.inputs.map((_, k) => undo[u + k]);
      }
    }
    return tx.inputs.map((i) => {
      const parent = this.node.mempool.get(i.prevTxid);
      if (parent) return parent.tx.outputs[i.vout];
      return chain.utxos.getCoin(i.prevTxid, i.vout);
    });
  }

  async tx(id: Hash): Promise<TxView<bigint>> {
    const chain = this.node.chain;
    const found = await findTx(this.node, id);
    if (!found) {
      throw new HttpError(404, `no transaction ${id} in the pool or the best chain (it may never have arrived, or its block was replaced)`);
    }
    const { tx, pooled, at: loc } = found;
    const cb = isCoinbase(tx);
    const spent = await this.spentCoins(tx, loc);
    const inputs: InputView<bigint>[] = tx.inputs.map((i, k) => {
      const c = spent[k];
      return { prevTxid: i.prevTxid, vout: i.vout, ...(c ? { value: c.value, address: this.address(c.pubkey) } : {}) };
    });
    const { valueIn, valueOut, fee } = txAmounts(tx, spent);
    const outputs: OutputView<bigint>[] = tx.outputs.map((o, n) => {
      const byChain = this.node.index.spentBy.get(`${id}:${n}`);
      const byChainAt = byChain ? this.node.index.txs.get(byChain) : undefined;
      const byPool = this.node.mempool.spenderOf(id, n);
      return {
        n,
        value: o.value,
        address: this.address(o.pubkey),
        spent:
          byChain && byChainAt
            ? { txid: byChain, in: "chain" as const, height: byChainAt.height }
            : byPool
              ? { txid: byPool, in: "pool" as const }
              : null,
      };
    });
    const size = txSize(tx);
    return {
      txid: id,
      coinbase: cb,
      size,
      version: tx.version,
      locktime: tx.locktime,
      inputs,
      outputs,
      valueOut,
      ...(valueIn !== undefined ? { valueIn } : {}),
      ...(fee !== undefined ? { fee, feeRate: feeRateText(fee, size) } : {}),
      // the raw bytes are for copying into a hand-built experiment; a huge one would only bloat the page
      ...(size <= MAX_HEX_BYTES ? { hex: bytesToHex(encodeTx(tx)) } : {}),
      status: loc
        ? { in: "chain" as const, block: loc.block, height: loc.height, index: loc.index, confirmations: txConfirmations(chain, loc) }
        : {
            in: "pool" as const,
            confirmations: txConfirmations(chain, undefined),
            time: pooled!.time,
            parents: [...pooled!.parents],
            children: [...pooled!.children],
            ancestors: pooled!.ancestorCount,
            descendants: pooled!.descendantCount,
          },
    };
  }

  mempool(offset: number, limit: number): PoolPage<bigint> {
    const all = this.node.mempool.entries();
    let totalFees = 0n;
    for (const e of all) totalFees += e.fee;
    // newest first: what just arrived is what the room is looking at
    const page = [...all]
      .sort((a, b) => b.time - a.time || a.txid.localeCompare(b.txid))
      .slice(offset, offset + limit)
      .map((e) => ({
        txid: e.txid,
        fee: e.fee,
        size: e.size,
        feeRate: feeRateText(e.fee, e.size),
        time: e.time,
        valueOut: e.tx.outputs.reduce((s, o) => s + o.value, 0n),
        parents: [...e.parents],
        children: [...e.children],
        ancestors: e.ancestorCount,
        descendants: e.descendantCount,
      }));
    return { count: all.length, bytes: this.node.mempool.bytes, totalFees, offset, txs: page };
  }
}

/** The chain state keeps "reason: detail" as one string; the page shows the two apart. */
function splitReason(text: string): { invalidReason: string; invalidDetail?: string } {
  const i = text.indexOf(": ");
  return i < 0 ? { invalidReason: text } : { invalidReason: text.slice(0, i), invalidDetail: text.slice(i + 2) };
}
