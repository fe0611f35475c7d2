import {
  type Amount,
  type Block,
  type BlockIndexEntry,
  blockHash,
  bytesToHex,
  type ChainState,
  DEVNET,
  encodeCoin,
  encodeIndexEntry,
  type NetworkParams,
  signTx,
  type Transaction,
  verifyLedger,
} from "@utxolab/core";
import { accounts, activeBlocks, nextBlock } from "@utxolab/testkit";
import { expect } from "vitest";

/** The network of these tests. */
export const params: NetworkParams = DEVNET;
const FEE = 1000n;

/** Up to `n` payments between devnet accounts, each spending one of the payer's spendable coins on the active chain. */
export function payments(cs: ChainState, height: number, n: number): Transaction[] {
  const txs: Transaction[] = [];
  const used = new Set<string>();
  for (let k = 0; k < 10 && txs.length < n; k++) {
    const payer = accounts[(height + k) % accounts.length];
    const payee = accounts[(height + k + 1) % accounts.length];
    const coins = cs.utxos
      .coinsOf(bytesToHex(payer.pubkey))
      .filter((c) => !c.coin.coinbase || c.coin.height === 0 || c.coin.height + params.coinbaseMaturity <= height)
      .filter((c) => c.coin.value > FEE * 3n && !used.has(`${c.txid}:${c.vout}`))
      .sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));
    const c = coins[0];
    if (!c) continue;
    used.add(`${c.txid}:${c.vout}`);
    const pay = (c.coin.value - FEE) / 3n;
    const tx: Transaction = {
      version: 1,
      inputs: [{ prevTxid: c.txid, vout: c.vout, witness: new Uint8Array(64) }],
      outputs: [
        { value: pay as Amount, pubkey: payee.pubkey },
        { value: (c.coin.value - FEE - pay) as Amount, pubkey: payer.pubkey },
      ],
      locktime: 0,
    };
    txs.push(signTx(tx, [c.coin], [payer.sk], new Uint8Array(32)));
  }
  return txs;
}

/** A block on `parent` holding `txs` (each paying FEE); `tag` makes sibling blocks differ. */
export function blockOn(parent: BlockIndexEntry, txs: Transaction[] = [], tag = 0): Block {
  return nextBlock(parent, { txs, fees: FEE * BigInt(txs.length), extra: Uint8Array.of(tag) });
}

/** A block on the tip whose one payment spends more than its input: it passes the context-free checks and fails when connected. */
export function overspendingBlock(cs: ChainState): Block {
  const [pay] = payments(cs, cs.height + 1, 1);
  const spent = cs.utxos.getCoin(pay.inputs[0].prevTxid, pay.inputs[0].vout)!;
  const payer = accounts.find((a) => bytesToHex(a.pubkey) === bytesToHex(spent.pubkey))!;
  const greedy: Transaction = { ...pay, outputs: [{ ...pay.outputs[0], value: (spent.value + 10_000n) as Amount }] };
  return blockOn(cs.tip, [signTx(greedy, [spent], [payer.sk], new Uint8Array(32))]);
}

async function submitOk(cs: ChainState, block: Block): Promise<void> {
  const r = await cs.submitBlock(block);
  if (!r.ok) throw new Error(`block refused: ${r.reason} ${r.detail ?? ""}`);
}

/** Mines `n` blocks on the tip, each with up to `perBlock` payments. */
export async function minePayments(cs: ChainState, n: number, perBlock = 2): Promise<void> {
  for (let i = 0; i < n; i++) await submitOk(cs, blockOn(cs.tip, payments(cs, cs.height + 1, perBlock)));
}

/** Mines `n` coinbase-only blocks on `parent`, returns the last entry. */
export async function branch(cs: ChainState, parent: BlockIndexEntry, n: number, tag: number): Promise<BlockIndexEntry> {
  let p = parent;
  for (let i = 0; i < n; i++) {
    const b = blockOn(p, [], tag);
    await submitOk(cs, b);
    const e = cs.getEntry(blockHash(b.header));
    if (!e) throw new Error("submitted block is not indexed");
    p = e;
  }
  return p;
}

/** The UTXO set as sorted `outpoint=coin bytes` lines: equal strings mean byte-equal sets. */
export function utxoSnapshot(cs: ChainState): string[] {
  return [...cs.utxos.entries()].map((e) => `${e.txid}:${e.vout}=${bytesToHex(encodeCoin(e.coin))}`).sort();
}

/** The block index as sorted `hash=entry bytes|work` lines. */
export function indexSnapshot(cs: ChainState): string[] {
  return [...cs.index.values()].map((e) => `${e.hash}=${bytesToHex(encodeIndexEntry(e))}|${e.chainWork}`).sort();
}

/** Replays the active chain from its stored blocks and compares with the live UTXO set. */
export async function expectLedgerOk(cs: ChainState): Promise<void> {
  const report = await verifyLedger(await activeBlocks(cs), cs.utxos.entries(), params);
  expect(report.problems).toEqual([]);
  expect(report.height).toBe(cs.height);
}
