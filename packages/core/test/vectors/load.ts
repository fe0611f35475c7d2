import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import {
  type BatchVerifier,
  blockHash,
  ChainState,
  type Coin,
  checkTransactionFull,
  DEVNET,
  decodeBlock,
  decodeTx,
  type Hash,
  hexToBytes,
  MemoryChainBackend,
  MemoryUtxoSet,
  txid,
} from "../../src/index.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/**
 * The repo's own copy in test/vectors (so a clone alone passes), or UTXOLAB_VECTORS=<dir> for anyone's
 * vectors: CI points it at ../shared/vectors, the contract, which may gain cases before our copy does.
 */
export const BUNDLED_VECTORS_DIR = resolve(repoRoot, "test/vectors");
export const VECTORS_DIR = process.env.UTXOLAB_VECTORS ? resolve(process.env.UTXOLAB_VECTORS) : BUNDLED_VECTORS_DIR;

export interface VectorFile<C> {
  spec: string;
  description: string;
  cases: C[];
}

/** A missing or unreadable file throws, so the run fails instead of passing on nothing. */
export function loadVectors<C = Record<string, unknown>>(name: string): VectorFile<C> {
  const path = join(VECTORS_DIR, name);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(
      `cannot read test vectors ${path}: ${(e as Error).message}. Set UTXOLAB_VECTORS to a directory holding the vector files.`,
    );
  }
  const data = JSON.parse(text) as VectorFile<C>;
  if (!Array.isArray(data.cases) || data.cases.length === 0) throw new Error(`${path} has no cases`);
  return data;
}

export function byType<C extends { type?: string }>(cases: C[], type: string): C[] {
  return cases.filter((c) => c.type === type);
}

/** A tx_rules.json case: the whole UTXO set, the transaction, and what the rules must say. */
export interface TxCase {
  description: string;
  height: number;
  utxos: { txid: Hash; vout: number; value: string; pubkey: string; height: number; coinbase: boolean }[];
  tx: string;
  txid: string;
  expect: string;
  stage: string | null;
  fee?: string;
}

/**
 * Runs one tx_rules.json case through the transaction rules: what they say ("valid" or the
 * reason, "tx-decode-failed" when the bytes do not decode), the txid and, when valid, the fee.
 */
export function runTxCase(c: TxCase): { outcome: string; txid?: string; fee?: bigint } {
  const set = new MemoryUtxoSet();
  for (const u of c.utxos) {
    const coin: Coin = { value: BigInt(u.value) as Coin["value"], pubkey: hexToBytes(u.pubkey), height: u.height, coinbase: u.coinbase };
    set.add(u.txid, u.vout, coin);
  }
  const d = decodeTx(c.tx);
  if (!d.ok) return { outcome: "tx-decode-failed" };
  const r = checkTransactionFull(d.tx, set, c.height, DEVNET);
  return r.ok ? { outcome: "valid", txid: txid(d.tx), fee: r.fee } : { outcome: r.reason, txid: txid(d.tx) };
}

/** A block_rules.json scenario: blocks offered in order, what each must get, and the chain they leave. */
export interface BlockCase {
  description: string;
  now: number;
  blocks: { hex: string; expect: string; hash?: string; note?: string }[];
  tipHash: string;
  height: number;
  utxoCount: number;
  supply: string;
}

/** Offers one block_rules.json scenario's blocks to a fresh chain (checking signatures with `verifier`) and checks every answer and the end state. */
export async function expectBlockCase(c: BlockCase, verifier?: BatchVerifier): Promise<void> {
  const chain = await ChainState.open(DEVNET, new MemoryChainBackend(), { now: () => c.now, verifier });
  for (const [i, b] of c.blocks.entries()) {
    const d = decodeBlock(b.hex);
    if (!d.ok) {
      expect(d.reason, `block ${i}`).toBe(b.expect);
      continue;
    }
    if (b.hash) expect(blockHash(d.block.header)).toBe(b.hash);
    const r = await chain.submitBlock(d.block);
    expect(r.ok ? "accepted" : r.reason, `block ${i} ${b.note ?? ""}`).toBe(b.expect);
  }
  expect(chain.tip.hash).toBe(c.tipHash);
  expect(chain.height).toBe(c.height);
  expect(chain.utxos.size).toBe(c.utxoCount);
  expect(chain.utxos.total.toString()).toBe(c.supply);
}
