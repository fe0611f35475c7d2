// The worker pool gives the sequential verdict exactly: the same first failing input
// decides the reason, the signature cache ends the same, and nothing of a refused block
// reaches the UTXO set.

import { copyUtxos, GENESIS_HASH, genesisCoin, NOW, openChain, out, outputsOf, snapshot, spend } from "@utxolab/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Block,
  buildBlock,
  connectBlockTxs,
  connectBlockTxsWith,
  DEVNET,
  type Hash,
  nobleBackend,
  SigCache,
  setSchnorrBackend,
  subsidyAt,
  type Transaction,
  txid,
  utf8,
} from "../src/index.js";
import { libsecpBackend } from "../src/native/libsecp.js";
import { PoolClosedError, VerifyPool } from "../src/native/pool.js";

const FANOUT = 24;

// Block 1: tx A splits genesis coin 0 into FANOUT outputs; B_k spends A:k; C spends genesis coins 1 and 2.
let A: Transaction;
let Bs: Transaction[];
let C: Transaction;
let pool: VerifyPool;

beforeAll(() => {
  setSchnorrBackend(libsecpBackend);
  A = spend(
    [genesisCoin(0)],
    Array.from({ length: FANOUT }, () => out(1_000_000_000n, 3)),
  );
  const aOuts = outputsOf(A, 1);
  Bs = aOuts.map((o, k) => spend([o], [out(900_000_000n, k % 10)]));
  C = spend([genesisCoin(1), genesisCoin(2)], [out(1_500_000_000_00n, 4)]);
  pool = new VerifyPool(libsecpBackend, 2);
});

afterAll(async () => {
  setSchnorrBackend(nobleBackend);
  await pool.close();
});

const corrupt = (tx: Transaction, input: number, byte: number): Transaction => ({
  ...tx,
  inputs: tx.inputs.map((inp, i) => (i === input ? { ...inp, witness: inp.witness.map((b, j) => (j === byte ? b ^ 1 : b)) } : inp)),
});

const missingSpend = (): Transaction => ({
  version: 1,
  inputs: [{ prevTxid: "ab".repeat(32) as Hash, vout: 0, witness: new Uint8Array(64) }],
  outputs: [out(1n)],
  locktime: 0,
});

interface Plan {
  /** transactions of the block after the coinbase, in order */
  order: number;
  /** which transactions get a bad signature: index into txs, and input */
  bad: { tx: number; input: number; byte: number }[];
  /** a transaction spending nothing, inserted at this position */
  missingAt: number | undefined;
  overclaim: boolean;
}

function build(plan: Plan): Block {
  let txs: Transaction[] = [A, ...Bs, C];
  if (plan.order % 2 === 1) txs = [C, A, ...Bs];
  for (const b of plan.bad) {
    const t = b.tx % txs.length;
    txs[t] = corrupt(txs[t], b.input % txs[t].inputs.length, b.byte);
  }
  if (plan.missingAt !== undefined) txs.splice(plan.missingAt % (txs.length + 1), 0, missingSpend());
  return buildBlock(
    {
      prevHash: GENESIS_HASH,
      height: 1,
      time: NOW - 1000,
      coinbaseOutputs: [out(subsidyAt(1, DEVNET) + (plan.overclaim ? 10n ** 13n : 0n))],
      txs,
      coinbaseExtra: utf8("pv"),
    },
    DEVNET,
  );
}

const planArb: fc.Arbitrary<Plan> = fc.record({
  order: fc.nat(1),
  bad: fc.array(fc.record({ tx: fc.nat(FANOUT + 1), input: fc.nat(1), byte: fc.nat(63) }), { maxLength: 3 }),
  missingAt: fc.option(fc.nat(FANOUT + 2), { nil: undefined }),
  overclaim: fc.boolean(),
});

describe("parallel signature checks", () => {
  it("give the sequential verdict, reason, detail and cache for any mix of broken inputs", async () => {
    const chain = await openChain();
    const base = [...chain.utxos.entries()];
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(planArb, async (plan) => {
        const block = build(plan);
        const seqCache = new SigCache();
        const parCache = new SigCache();
        const seq = connectBlockTxs(block, 1, copyUtxos(base), DEVNET, seqCache);
        const par = await connectBlockTxsWith(pool, block, 1, copyUtxos(base), DEVNET, parCache);
        expect(par.ok).toBe(seq.ok);
        seen.add(seq.ok ? "ok" : seq.reason);
        if (!seq.ok && !par.ok) {
          expect(par.reason).toBe(seq.reason);
          expect(par.detail).toBe(seq.detail);
        }
        if (seq.ok && par.ok) expect(snapshot(par.overlay.adds.values())).toBe(snapshot(seq.overlay.adds.values()));
        const ids = block.txs.map(txid);
        expect(ids.filter((id) => parCache.has(id))).toEqual(ids.filter((id) => seqCache.has(id)));
        expect(parCache.size).toBe(seqCache.size);
        if (plan.bad.length === 0 && plan.missingAt === undefined && !plan.overclaim) expect(seq.ok).toBe(true);
      }),
      { numRuns: 60, seed: 7 },
    );
    expect([...seen].sort()).toEqual(["bad-cb-amount", "bad-txns-inputs-missingorspent", "bad-txns-sig", "ok"]);
  });

  it("through ChainState: a refused block changes nothing, an accepted one the same as inline", async () => {
    for (const plan of [
      { order: 0, bad: [{ tx: 5, input: 0, byte: 3 }], missingAt: 9, overclaim: true },
      { order: 1, bad: [{ tx: 20, input: 0, byte: 60 }], missingAt: undefined, overclaim: false },
      { order: 0, bad: [], missingAt: undefined, overclaim: false },
    ] satisfies Plan[]) {
      const block = build(plan);
      const inline = await openChain();
      const pooled = await openChain({ verifier: pool });
      const before = snapshot(pooled.utxos.entries());
      const a = await inline.submitBlock(block);
      const b = await pooled.submitBlock(block);
      expect(b).toEqual(a);
      expect(snapshot(pooled.utxos.entries())).toBe(snapshot(inline.utxos.entries()));
      if (!b.ok) expect(snapshot(pooled.utxos.entries())).toBe(before);
      else expect(pooled.height).toBe(1);
    }
  });

  it("a closed pool refuses work and fails what was pending, so a stopping node applies nothing", async () => {
    const p = new VerifyPool(libsecpBackend, 1);
    const block = build({ order: 0, bad: [], missingAt: undefined, overclaim: false });
    const chain = await openChain();
    const pending = expect(connectBlockTxsWith(p, block, 1, chain.utxos, DEVNET)).rejects.toBeInstanceOf(PoolClosedError);
    await p.close();
    await pending;
    await expect(p.firstFailure([{ sig: new Uint8Array(64), msg: new Uint8Array(32), pubkey: new Uint8Array(32) }])).rejects.toThrow(
      /pool is closed/,
    );
    expect(chain.height).toBe(0);
  });
});
