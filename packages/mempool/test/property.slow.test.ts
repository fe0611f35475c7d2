import type { ChainState } from "@utxolab/core";
import {
  type BlockIndexEntry,
  blockHash,
  CoinOverlay,
  checkTxInputs,
  DEVNET,
  type Hash,
  outpointKey,
  txid,
  type UtxoEntry,
} from "@utxolab/core";
import { blockOn, genesisCoin, out, outputOf } from "@utxolab/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Mempool } from "../src/index.js";
import { payWithFee, setup, sizeFor } from "./helpers.js";

type Op =
  | { kind: "tx"; picks: number[]; nOut: number; to: number; rate: number; orphan: boolean }
  | { kind: "mine"; take: number }
  | { kind: "mineDirect"; pick: number; to: number }
  | { kind: "reorg"; depth: number }
  | { kind: "expire"; days: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("tx" as const),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
      nOut: fc.integer({ min: 1, max: 3 }),
      to: fc.integer({ min: 0, max: 9 }),
      rate: fc.integer({ min: 0, max: 4 }),
      orphan: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("mine" as const), take: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("mineDirect" as const), pick: fc.nat(), to: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reorg" as const), depth: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("expire" as const), days: fc.integer({ min: 0, max: 15 }) }) },
);

/** The pool's promises, checked from the outside: valid in order at the next height, no double spends, exact totals. */
function checkInvariants(pool: Mempool, chain: ChainState): void {
  const entries = pool.entries();
  const spent = new Map<string, Hash>();
  const view = new CoinOverlay(chain.utxos);
  const height = chain.height + 1;
  let bytes = 0;
  for (const e of entries) {
    for (const i of e.tx.inputs) {
      const k = outpointKey(i.prevTxid, i.vout);
      expect(spent.has(k), `${k} spent twice in the pool`).toBe(false);
      spent.set(k, e.txid);
      expect(pool.spenderOf(i.prevTxid, i.vout)).toBe(e.txid);
    }
    // signatures verified from scratch: no cache
    const r = checkTxInputs(e.tx, view, height, DEVNET);
    expect(r.ok ? "valid" : `${r.reason}: ${r.detail}`).toBe("valid");
    if (r.ok) expect(r.fee).toBe(e.fee);
    for (const i of e.tx.inputs) view.spend(i.prevTxid, i.vout);
    e.tx.outputs.forEach((o, v) => {
      view.add(e.txid, v, { value: o.value, pubkey: o.pubkey, height, coinbase: false });
    });
    expect(chain.utxos.getCoin(e.txid, 0)).toBeUndefined();
    bytes += e.size;
  }
  expect(pool.bytes).toBe(bytes);
  expect(pool.size).toBe(entries.length);
  // totals recomputed from the transactions themselves
  const byId = new Map(entries.map((e) => [e.txid, e]));
  const parentsOf = (id: Hash) =>
    new Set(
      byId
        .get(id)
        ?.tx.inputs.map((i) => i.prevTxid)
        .filter((p) => byId.has(p)),
    );
  const closure = (start: Hash, next: (id: Hash) => Iterable<Hash>) => {
    const seen = new Set<Hash>([start]);
    const stack = [start];
    while (stack.length) {
      for (const n of next(stack.pop() as Hash)) {
        if (seen.has(n)) continue;
        seen.add(n);
        stack.push(n);
      }
    }
    return [...seen].map((id) => byId.get(id)!);
  };
  const childrenOf = (id: Hash) => entries.filter((c) => parentsOf(c.txid).has(id)).map((c) => c.txid);
  for (const e of entries) {
    expect(e.parents).toEqual(parentsOf(e.txid));
    const anc = closure(e.txid, parentsOf);
    const desc = closure(e.txid, childrenOf);
    expect([e.ancestorCount, e.ancestorFee, e.ancestorSize]).toEqual([
      anc.length,
      anc.reduce((s, x) => s + x.fee, 0n),
      anc.reduce((s, x) => s + x.size, 0),
    ]);
    expect([e.descendantCount, e.descendantFee, e.descendantSize]).toEqual([
      desc.length,
      desc.reduce((s, x) => s + x.fee, 0n),
      desc.reduce((s, x) => s + x.size, 0),
    ]);
  }
}

describe("property: random accepts, blocks, reorganizations and expiry", () => {
  it("never leave two entries spending one outpoint, and every entry stays valid against chain + pool", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 8, maxLength: 24, size: "max" }),
        fc.constantFrom(100_000_000, 700),
        async (ops, maxBytes) => {
          // a small pool evicts often; its limit holds after every step
          const { pool, chain, clock } = await setup({ maxBytes, maxAncestors: 4, maxDescendants: 4 });
          const coins: UtxoEntry[] = Array.from({ length: 10 }, (_, i) => genesisCoin(i));
          let salt = 0;
          for (const op of ops) {
            if (op.kind === "tx") {
              const inputs = [...new Set(op.picks.map((p) => p % coins.length))].map((i) => coins[i]);
              const fee = BigInt(op.rate) * BigInt(sizeFor(inputs.length, op.nOut));
              const total = inputs.reduce((s, c) => s + c.coin.value, 0n) - fee;
              const each = total / BigInt(op.nOut);
              if (each < 546n) continue;
              const pay = Array.from({ length: op.nOut - 1 }, () => out(each, op.to));
              const tx = payWithFee(inputs, pay, { exact: fee }, op.to);
              pool.accept(tx, { allowOrphan: op.orphan });
              for (let v = 0; v < tx.outputs.length; v++) {
                coins.push(outputOf(tx, v));
              }
            } else if (op.kind === "mine") {
              const txs = pool.template().txs.slice(0, op.take);
              const fees = txs.reduce((s, tx) => s + (pool.get(txid(tx))?.fee ?? 0n), 0n);
              const r = await chain.submitBlock(blockOn(chain, txs, { fees, extra: salt++ }));
              expect(r.ok).toBe(true);
            } else if (op.kind === "mineDirect") {
              // a block confirming a spend the pool may not have seen: conflicts must leave
              const c = coins[op.pick % coins.length];
              if (!chain.utxos.getCoin(c.txid, c.vout)) continue;
              const tx = payWithFee([c], [], { rate: 1n }, op.to);
              await chain.submitBlock(blockOn(chain, [tx], { extra: salt++ }));
              for (let v = 0; v < tx.outputs.length; v++) {
                coins.push(outputOf(tx, v));
              }
            } else if (op.kind === "reorg") {
              if (chain.height < op.depth) continue;
              let parent = chain.atHeight(chain.height - op.depth) as BlockIndexEntry;
              for (let i = 0; i <= op.depth; i++) {
                const b = blockOn(chain, [], { parent, extra: 100 + salt++ });
                const r = await chain.submitBlock(b);
                expect(r.ok).toBe(true);
                parent = chain.getEntry(blockHash(b.header)) as BlockIndexEntry;
              }
              expect(chain.tip.hash).toBe(parent.hash);
            } else {
              clock.now += op.days * 24 * 3600;
              pool.expire();
            }
            checkInvariants(pool, chain);
            expect(pool.bytes).toBeLessThanOrEqual(maxBytes);
          }
        },
      ),
      { seed: 20261126, numRuns: 30 },
    );
  });
});
