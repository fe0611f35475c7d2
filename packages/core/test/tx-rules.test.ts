import { accounts, genesisCoin, out, spend, units } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import {
  type Amount,
  checkTransaction,
  checkTransactionFull,
  checkTxInputs,
  DEVNET,
  type Hash,
  MAX_MONEY,
  MemoryUtxoSet,
  makeCoinbase,
  NULL_VOUT,
  SigCache,
  type Transaction,
  txSize,
  type UtxoEntry,
  ZERO_HASH,
} from "../src/index.js";

const fakeTxid = (n: number) => n.toString(16).padStart(64, "0") as Hash;

function setOf(...entries: UtxoEntry[]): MemoryUtxoSet {
  const s = new MemoryUtxoSet();
  for (const e of entries) s.add(e.txid, e.vout, e.coin);
  return s;
}

function coinAt(n: number, value: bigint, o: { height?: number; coinbase?: boolean; account?: number } = {}): UtxoEntry {
  return {
    txid: fakeTxid(n),
    vout: 0,
    coin: { value: value as Amount, pubkey: accounts[o.account ?? 0].pubkey, height: o.height ?? 1, coinbase: o.coinbase ?? false },
  };
}

/** A transaction with the given witnesses, not signed: for rules checked before signatures. */
function raw(inputs: { prevTxid: Hash; vout: number; witness: Uint8Array }[], outputs = [out(1)], locktime = 0): Transaction {
  return { version: 1, inputs, outputs, locktime };
}

const reason = (r: { ok: boolean; reason?: string }) => (r.ok ? "ok" : r.reason);

describe("no one spends what they do not have", () => {
  const c = coinAt(1, 1000n);
  const set = setOf(c);

  it("outputs one unit above the inputs fail with both sums in the detail", () => {
    const r = checkTransactionFull(spend([c], [out(600), out(401)]), set, 5, DEVNET);
    expect(r).toEqual({ ok: false, reason: "bad-txns-in-belowout", detail: "in 1000 < out 1001" });
  });

  it("outputs equal to the inputs pass with a zero fee", () => {
    const r = checkTransactionFull(spend([c], [out(600), out(400)]), set, 5, DEVNET);
    expect(r.ok && r.fee).toBe(0n);
  });

  it("the fee is what the outputs leave", () => {
    const r = checkTransactionFull(spend([c], [out(990)]), set, 5, DEVNET);
    expect(r.ok && r.fee).toBe(10n);
  });

  it("an input that does not exist fails, and so does one the set no longer holds", () => {
    const other = coinAt(2, 1000n);
    expect(reason(checkTransactionFull(spend([other], [out(1)]), set, 5, DEVNET))).toBe("bad-txns-inputs-missingorspent");
    const s2 = setOf(c);
    s2.remove(c.txid, c.vout);
    expect(reason(checkTransactionFull(spend([c], [out(1)]), s2, 5, DEVNET))).toBe("bad-txns-inputs-missingorspent");
  });
});

describe("coinbase maturity", () => {
  const cb = coinAt(1, 5000n, { height: 20, coinbase: true });
  const set = setOf(cb);
  const tx = spend([cb], [out(4000)]);
  const mature = 20 + DEVNET.coinbaseMaturity;

  it("one block before maturity fails and says from when it is spendable", () => {
    const r = checkTransactionFull(tx, set, mature - 1, DEVNET);
    expect(reason(r)).toBe("bad-txns-premature-spend-of-coinbase");
    expect(!r.ok && r.detail).toContain(`spendable from height ${mature}`);
  });

  it("at maturity passes", () => {
    expect(reason(checkTransactionFull(tx, set, mature, DEVNET))).toBe("ok");
  });

  it("an output of a non-coinbase transaction is spendable in the next block", () => {
    const plain = coinAt(2, 5000n, { height: 20 });
    expect(reason(checkTransactionFull(spend([plain], [out(1)]), setOf(plain), 21, DEVNET))).toBe("ok");
  });

  it("genesis outputs are spendable at height 1", () => {
    const g = genesisCoin(3);
    expect(reason(checkTransactionFull(spend([g], [out(1)]), setOf(g), 1, DEVNET))).toBe("ok");
  });
});

describe("locktime", () => {
  const c = coinAt(1, 1000n);
  const set = setOf(c);

  it("locktime one above the spend height fails", () => {
    const r = checkTransactionFull(spend([c], [out(900)], { locktime: 8 }), set, 7, DEVNET);
    expect(r).toEqual({ ok: false, reason: "bad-txns-nonfinal", detail: "locktime 8 > block height 7" });
  });

  it("locktime equal to the spend height passes", () => {
    expect(reason(checkTransactionFull(spend([c], [out(900)], { locktime: 7 }), set, 7, DEVNET))).toBe("ok");
  });

  it("applies to coinbases too", () => {
    const cbLate = makeCoinbase(7, [out(1)], new Uint8Array(0), 8);
    const cbOk = makeCoinbase(7, [out(1)], new Uint8Array(0), 7);
    expect(reason(checkTxInputs(cbLate, set, 7, DEVNET))).toBe("bad-txns-nonfinal");
    expect(reason(checkTxInputs(cbOk, set, 7, DEVNET))).toBe("ok");
  });
});

describe("witness sizes", () => {
  const sig = (n: number) => new Uint8Array(n).fill(7);
  const input = (n: number) => ({ prevTxid: fakeTxid(1), vout: 0, witness: sig(n) });

  it.each([63, 65, 0])("a %i-byte witness fails", (n) => {
    const r = checkTransaction(raw([input(n)]), DEVNET);
    expect(r).toEqual({
      ok: false,
      reason: "bad-txns-witness-size",
      detail: `input 0 witness is ${n} bytes, must be one 64-byte signature`,
    });
  });

  it("a 64-byte witness passes the context-free rules", () => {
    expect(reason(checkTransaction(raw([input(64)]), DEVNET))).toBe("ok");
  });

  const cb = (n: number) => raw([{ prevTxid: ZERO_HASH, vout: NULL_VOUT, witness: new Uint8Array(n) }]);

  it.each([3, 101, 0])("a %i-byte coinbase witness fails", (n) => {
    expect(checkTransaction(cb(n), DEVNET)).toEqual({
      ok: false,
      reason: "bad-cb-length",
      detail: `coinbase witness is ${n} bytes, must be 4..100`,
    });
  });

  it.each([4, 100])("a %i-byte coinbase witness passes", (n) => {
    expect(reason(checkTransaction(cb(n), DEVNET))).toBe("ok");
  });
});

describe("MAX_MONEY", () => {
  const input = { prevTxid: fakeTxid(1), vout: 0, witness: new Uint8Array(64) };

  it("an output of MAX_MONEY passes, MAX_MONEY + 1 fails", () => {
    expect(reason(checkTransaction(raw([input], [out(MAX_MONEY)]), DEVNET))).toBe("ok");
    expect(checkTransaction(raw([input], [out(MAX_MONEY + 1n)]), DEVNET)).toEqual({
      ok: false,
      reason: "bad-txns-vout-toolarge",
      detail: `output 0 value ${MAX_MONEY + 1n} > MAX_MONEY ${MAX_MONEY}`,
    });
  });

  it("outputs summing to MAX_MONEY pass, to MAX_MONEY + 1 fail", () => {
    const half = MAX_MONEY / 2n;
    expect(reason(checkTransaction(raw([input], [out(half), out(MAX_MONEY - half)]), DEVNET))).toBe("ok");
    expect(reason(checkTransaction(raw([input], [out(half), out(MAX_MONEY - half + 1n)]), DEVNET))).toBe("bad-txns-txouttotal-toolarge");
  });

  it("the largest u64 output is refused, not wrapped", () => {
    expect(reason(checkTransaction(raw([input], [out((1n << 64n) - 1n)]), DEVNET))).toBe("bad-txns-vout-toolarge");
  });

  it("inputs summing to MAX_MONEY pass, to MAX_MONEY + 1 fail", () => {
    const a = coinAt(1, MAX_MONEY - 1n);
    const b = coinAt(2, 1n);
    const c = coinAt(3, 2n);
    expect(reason(checkTransactionFull(spend([a, b], [out(5)]), setOf(a, b), 5, DEVNET))).toBe("ok");
    const r = checkTransactionFull(spend([a, c], [out(5)]), setOf(a, c), 5, DEVNET);
    expect(r).toEqual({
      ok: false,
      reason: "bad-txns-inputvalues-outofrange",
      detail: `inputs total ${MAX_MONEY + 1n} > MAX_MONEY ${MAX_MONEY}`,
    });
  });

  it("a single coin above MAX_MONEY (a corrupt set) is refused", () => {
    const big = coinAt(1, MAX_MONEY + 1n);
    expect(reason(checkTransactionFull(spend([big], [out(5)]), setOf(big), 5, DEVNET))).toBe("bad-txns-inputvalues-outofrange");
  });
});

describe("other context-free rules", () => {
  const input = (n: number, witness = new Uint8Array(64)) => ({ prevTxid: fakeTxid(n), vout: 0, witness });

  it("needs an input and an output", () => {
    expect(reason(checkTransaction(raw([], [out(1)]), DEVNET))).toBe("bad-txns-vin-empty");
    expect(reason(checkTransaction(raw([input(1)], []), DEVNET))).toBe("bad-txns-vout-empty");
  });

  it("refuses the same outpoint twice in one transaction", () => {
    const r = checkTransaction(raw([input(1), input(1)]), DEVNET);
    expect(r).toEqual({ ok: false, reason: "bad-txns-inputs-duplicate", detail: `outpoint ${fakeTxid(1)}:0 is spent twice` });
    expect(reason(checkTransaction(raw([input(1), { ...input(1), vout: 1 }]), DEVNET))).toBe("ok");
  });

  it("lets only a coinbase spend the null outpoint", () => {
    const nul = { prevTxid: ZERO_HASH, vout: NULL_VOUT, witness: new Uint8Array(64) };
    expect(reason(checkTransaction(raw([input(1), nul]), DEVNET))).toBe("bad-txns-prevout-null");
    // Same null outpoint with another vout is an ordinary (missing) outpoint, not the null one.
    expect(reason(checkTransaction(raw([{ ...nul, vout: 0 }]), DEVNET))).toBe("ok");
  });

  it("refuses a transaction above maxBlockSize, accepts one at it", () => {
    const tx = raw([input(1)], [out(1), out(2), out(3)]);
    const size = txSize(tx);
    expect(reason(checkTransaction(tx, { ...DEVNET, maxBlockSize: size }))).toBe("ok");
    expect(checkTransaction(tx, { ...DEVNET, maxBlockSize: size - 1 })).toEqual({
      ok: false,
      reason: "bad-txns-oversize",
      detail: `size ${size} > max ${size - 1} bytes`,
    });
  });

  it("reports the first broken rule in table order", () => {
    // Empty outputs, a duplicate input and a bad witness: vout-empty comes first.
    expect(reason(checkTransaction(raw([input(1, new Uint8Array(3)), input(1, new Uint8Array(3))], []), DEVNET))).toBe(
      "bad-txns-vout-empty",
    );
    // Output too large and a bad witness: the output rule comes first.
    expect(reason(checkTransaction(raw([input(1, new Uint8Array(3))], [out(MAX_MONEY + 1n)]), DEVNET))).toBe("bad-txns-vout-toolarge");
  });

  it("checks every context-free rule before any contextual one", () => {
    // Missing input and a short witness: the context-free witness rule wins.
    const r = checkTransactionFull(raw([input(9, new Uint8Array(63))]), new MemoryUtxoSet(), 5, DEVNET);
    expect(reason(r)).toBe("bad-txns-witness-size");
  });
});

describe("contextual rules in table order", () => {
  it("missing comes before maturity, maturity before overspend, overspend before locktime, locktime before signature", () => {
    const young = coinAt(1, 100n, { height: 5, coinbase: true });
    const set = setOf(young);
    const missing = coinAt(2, 100n);
    expect(reason(checkTxInputs(spend([young, missing], [out(1)]), set, 6, DEVNET))).toBe("bad-txns-inputs-missingorspent");
    expect(reason(checkTxInputs(spend([young], [out(101)]), set, 6, DEVNET))).toBe("bad-txns-premature-spend-of-coinbase");
    const ripe = coinAt(3, 100n);
    const s2 = setOf(ripe);
    expect(reason(checkTxInputs(spend([ripe], [out(101)], { locktime: 99 }), s2, 6, DEVNET))).toBe("bad-txns-in-belowout");
    expect(reason(checkTxInputs(spend([ripe], [out(100)], { locktime: 99, keys: [accounts[5].sk] }), s2, 6, DEVNET))).toBe(
      "bad-txns-nonfinal",
    );
  });
});

describe("SPEC v1.1: each rule is checked over the whole transaction before the next rule", () => {
  const input = (n: number, witness = new Uint8Array(64)) => ({ prevTxid: fakeTxid(n), vout: 0, witness });
  it("a later input that is missing beats an earlier input that is premature", () => {
    const young = coinAt(1, 100n, { height: 5, coinbase: true });
    const missing = coinAt(2, 100n);
    expect(reason(checkTxInputs(spend([young, missing], [out(1)]), setOf(young), 6, DEVNET))).toBe("bad-txns-inputs-missingorspent");
  });

  it("a later input's duplicate beats an earlier input's short witness", () => {
    const tx = raw([input(7, new Uint8Array(3)), input(1), input(1)], [out(1n)]);
    expect(reason(checkTransaction(tx, DEVNET))).toBe("bad-txns-inputs-duplicate");
  });

  it("a second output above MAX_MONEY beats a short witness on the first input", () => {
    const tx = raw([input(1, new Uint8Array(3))], [out(1n), out(MAX_MONEY + 1n)]);
    expect(reason(checkTransaction(tx, DEVNET))).toBe("bad-txns-vout-toolarge");
  });
});

describe("signatures", () => {
  const a = coinAt(1, 1000n, { account: 1 });
  const b = coinAt(2, 1000n, { account: 2 });
  const set = setOf(a, b);

  it("a signature by the wrong key fails and names the input", () => {
    const tx = spend([a, b], [out(1500)], { keys: [accounts[1].sk, accounts[3].sk] });
    const r = checkTxInputs(tx, set, 5, DEVNET);
    expect(reason(r)).toBe("bad-txns-sig");
    expect(!r.ok && r.detail).toMatch(/^input 1 /);
  });

  it("a signature over other outputs fails", () => {
    const tx = spend([a], [out(900)]);
    const changed = { ...tx, outputs: [out(901)] };
    expect(reason(checkTxInputs(changed, set, 5, DEVNET))).toBe("bad-txns-sig");
  });

  it("a signature made for other spent values fails: the signer commits to the amounts", () => {
    const lied = { ...a, coin: { ...a.coin, value: units(10) } };
    const tx = spend([lied], [out(5)]);
    expect(reason(checkTxInputs(tx, set, 5, DEVNET))).toBe("bad-txns-sig");
  });

  it("a valid transaction's txid enters the sig cache, and only then", () => {
    const cache = new SigCache();
    const good = spend([a], [out(900)]);
    const bad = spend([b], [out(900)], { keys: [accounts[0].sk] });
    expect(reason(checkTxInputs(good, set, 5, DEVNET, cache))).toBe("ok");
    expect(reason(checkTxInputs(bad, set, 5, DEVNET, cache))).toBe("bad-txns-sig");
    expect(cache.size).toBe(1);
  });

  it("a txid that failed its rules before the signatures is not cached", () => {
    const cache = new SigCache();
    expect(reason(checkTxInputs(spend([a], [out(1001)]), set, 5, DEVNET, cache))).toBe("bad-txns-in-belowout");
    expect(cache.size).toBe(0);
  });

  it("the cache drops its oldest txid at capacity", () => {
    const cache = new SigCache(2);
    for (const n of [1, 2, 3]) cache.add(fakeTxid(n));
    expect([cache.has(fakeTxid(1)), cache.has(fakeTxid(2)), cache.has(fakeTxid(3)), cache.size]).toEqual([false, true, true, 2]);
  });
});
