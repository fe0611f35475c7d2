import { bytesToHex, type Hash } from "@utxolab/core";
import type { MempoolEntry } from "@utxolab/mempool";

interface PoolView {
  get(id: Hash): MempoolEntry | undefined;
  spenderOf(id: Hash, vout: number): Hash | undefined;
}

interface Pending {
  total: bigint;
  /** "txid:vout" → value, in the order they became pending */
  outputs: Map<string, bigint>;
}

/**
 * What the pool will pay each key: outputs of waiting transactions that no other waiting one
 * spends, kept up to date as transactions enter and leave. A balance then costs what that key
 * has pending, not a pass over the whole pool.
 */
export class PoolPayments {
  private readonly byKey = new Map<string, Pending>();
  /** "txid:vout" → the key it pays, for every pending output */
  private readonly owner = new Map<string, string>();

  constructor(private readonly pool: PoolView) {}

  accepted(e: MempoolEntry): void {
    e.tx.outputs.forEach((o, vout) => {
      if (!this.pool.spenderOf(e.txid, vout)) this.add(e.txid, vout, bytesToHex(o.pubkey), o.value);
    });
    for (const i of e.tx.inputs) this.drop(`${i.prevTxid}:${i.vout}`);
  }

  removed(e: MempoolEntry): void {
    for (let vout = 0; vout < e.tx.outputs.length; vout++) this.drop(`${e.txid}:${vout}`);
    // what it spent of a transaction still waiting is pending again
    for (const i of e.tx.inputs) {
      const parent = this.pool.get(i.prevTxid);
      const out = parent?.tx.outputs[i.vout];
      if (out && !this.pool.spenderOf(i.prevTxid, i.vout)) this.add(i.prevTxid, i.vout, bytesToHex(out.pubkey), out.value);
    }
  }

  /** The total the pool will pay `pkHex`, how many outputs, and up to `limit` of them (oldest first). */
  of(
    pkHex: string,
    limit = Number.POSITIVE_INFINITY,
  ): { total: bigint; count: number; outputs: { txid: string; vout: number; value: string }[] } {
    const p = this.byKey.get(pkHex);
    if (!p) return { total: 0n, count: 0, outputs: [] };
    const outputs: { txid: string; vout: number; value: string }[] = [];
    for (const [k, v] of p.outputs) {
      if (outputs.length >= limit) break;
      const colon = k.indexOf(":");
      outputs.push({ txid: k.slice(0, colon), vout: Number(k.slice(colon + 1)), value: v.toString() });
    }
    return { total: p.total, count: p.outputs.size, outputs };
  }

  private add(txid: string, vout: number, pk: string, value: bigint): void {
    const k = `${txid}:${vout}`;
    if (this.owner.has(k)) return;
    let p = this.byKey.get(pk);
    if (!p) this.byKey.set(pk, (p = { total: 0n, outputs: new Map() }));
    p.outputs.set(k, value);
    p.total += value;
    this.owner.set(k, pk);
  }

  private drop(k: string): void {
    const pk = this.owner.get(k);
    if (pk === undefined) return;
    this.owner.delete(k);
    const p = this.byKey.get(pk);
    if (!p) return;
    const v = p.outputs.get(k) ?? 0n;
    p.outputs.delete(k);
    p.total -= v;
    if (p.outputs.size === 0) this.byKey.delete(pk);
  }
}
