import { GENESIS_PARENT, genesisCoin, nextBlock, out, spend } from "@utxolab/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blockHash,
  bytesToHex,
  DEVNET,
  DecodeError,
  decodeAddress,
  decodeBlock,
  decodeCoin,
  decodeCompactSize,
  decodeHeader,
  decodeIndexEntry,
  decodeTx,
  decodeUndo,
  encodeAddress,
  encodeBlock,
  encodeCoin,
  encodeHeader,
  encodeIndexEntry,
  encodeTx,
  encodeUndo,
  genesisBlock,
} from "../src/index.js";

// A block with a signed transaction and a coinbase: every field kind the decoders read.
const tx = spend([genesisCoin(0), genesisCoin(1)], [out(5, 2), out(7, 3)], { locktime: 3 });
const block = nextBlock(GENESIS_PARENT, { txs: [tx], fees: 2000n * 100_000_000n - 12n });
const samples = {
  tx: encodeTx(tx),
  block: encodeBlock(block),
  genesis: encodeBlock(genesisBlock(DEVNET)),
  header: encodeHeader(block.header),
};

/** Byte strings near valid ones: a few bytes changed, inserted, removed or cut off. */
function mutated(base: Uint8Array) {
  return fc
    .array(
      fc.oneof(
        fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), byte: fc.constant(0) }),
        fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), byte: fc.constant(0) }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      let b = Array.from(base);
      for (const e of edits) {
        const i = b.length === 0 ? 0 : e.at % (b.length + (e.kind === "insert" ? 1 : 0));
        if (e.kind === "set" && b.length > 0) b[i] = e.byte;
        else if (e.kind === "insert") b.splice(i, 0, e.byte);
        else if (e.kind === "delete") b.splice(i, 1);
        else if (e.kind === "cut") b = b.slice(0, i);
      }
      return Uint8Array.from(b);
    });
}

const anyBytes = fc.uint8Array({ maxLength: 600 });

/** Decoders of data from peers, RPC clients and files: a result, never an exception. */
function expectResult(r: { ok: boolean }) {
  expect(typeof r.ok).toBe("boolean");
}

/** Decoders of the store's own records throw only DecodeError, which the store turns into a message. */
function expectDecodeErrorOnly(f: () => unknown) {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
  }
}

describe("decoders on random bytes", () => {
  it("decodeTx, decodeBlock, decodeHeader and decodeCompactSize return a result", () => {
    fc.assert(
      fc.property(anyBytes, (b) => {
        expectResult(decodeTx(b));
        expectResult(decodeBlock(b));
        expectResult(decodeHeader(b));
        expectResult(decodeCompactSize(b));
      }),
      { seed: 21, numRuns: 1000 },
    );
  });

  it("they also take any string as hex and refuse what is not lowercase hex", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const r of [decodeTx(s), decodeBlock(s), decodeHeader(s)]) {
          expectResult(r);
          if (!/^(?:[0-9a-f]{2})*$/.test(s)) expect(r.ok).toBe(false);
        }
      }),
      { seed: 22, numRuns: 500 },
    );
  });

  it("decodeAddress refuses random text with a message", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom("lab1", "LAB1", "lab1qqqq", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")),
        (s) => {
          const r = decodeAddress(s, DEVNET.hrp);
          if (!r.ok) expect(r.detail.length).toBeGreaterThan(10);
          else expect(encodeAddress(r.pubkey, DEVNET.hrp)).toBe(s.toLowerCase());
        },
      ),
      { seed: 23, numRuns: 500 },
    );
  });

  it("the store's record decoders throw nothing but DecodeError", () => {
    fc.assert(
      fc.property(anyBytes, (b) => {
        expectDecodeErrorOnly(() => decodeCoin(b));
        expectDecodeErrorOnly(() => decodeUndo(b));
        expectDecodeErrorOnly(() => decodeIndexEntry(b));
      }),
      { seed: 24, numRuns: 1000 },
    );
  });
});

describe("decoders near valid encodings", () => {
  it.each(Object.entries(samples))("a mutated %s decodes to a result, and what decodes re-encodes to the same bytes", (kind, base) => {
    fc.assert(
      fc.property(mutated(base), (b) => {
        const t = decodeTx(b);
        if (t.ok) expect(bytesToHex(encodeTx(t.tx))).toBe(bytesToHex(b));
        const k = decodeBlock(b);
        if (k.ok) expect(bytesToHex(encodeBlock(k.block))).toBe(bytesToHex(b));
        const h = decodeHeader(b);
        if (h.ok) expect(bytesToHex(encodeHeader(h.header))).toBe(bytesToHex(b));
      }),
      { seed: kind.length, numRuns: 400 },
    );
  });

  it("mutated coins and undo records decode canonically or throw DecodeError", () => {
    const coin = encodeCoin(genesisCoin(4).coin);
    const undo = encodeUndo([genesisCoin(1).coin, { ...genesisCoin(2).coin, coinbase: false, height: 9 }]);
    fc.assert(
      fc.property(mutated(coin), mutated(undo), (c, u) => {
        try {
          expect(bytesToHex(encodeCoin(decodeCoin(c)))).toBe(bytesToHex(c));
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
        try {
          expect(bytesToHex(encodeUndo(decodeUndo(u)))).toBe(bytesToHex(u));
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { seed: 25, numRuns: 400 },
    );
  });
});

describe("counts that claim more than the bytes hold", () => {
  // version | nIn = 2^64 - 1 | nothing else: must be refused at once, not allocated or looped over.
  const huge = (prefix: number[]) => Uint8Array.from([...prefix, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

  it("a transaction with 2^64-1 inputs is refused without allocating", () => {
    const r = decodeTx(huge([1, 0, 0, 0]));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.detail).toMatch(/cannot fit/);
  });

  it("a block with 2^32 transactions is refused without allocating", () => {
    const b = Uint8Array.from([...encodeHeader(genesisBlock(DEVNET).header), 0xff, 0, 0, 0, 0, 1, 0, 0, 0]);
    const r = decodeBlock(b);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.detail).toMatch(/cannot fit/);
  });

  it("a witness longer than what remains is refused", () => {
    const t = encodeTx(tx);
    // version(4) | nIn(1) | prevTxid(32) | vout(4) | witness length: claim 0xfd 0xffff bytes
    const b = Uint8Array.from([...t.subarray(0, 41), 0xfd, 0xff, 0xff, ...t.subarray(42)]);
    expect(decodeTx(b).ok).toBe(false);
  });

  it("an undo record claiming 2^64-1 coins throws DecodeError", () => {
    expect(() => decodeUndo(huge([]))).toThrow(DecodeError);
  });
});

describe("index entries", () => {
  it("round-trip through encodeIndexEntry", () => {
    const entry = {
      hash: blockHash(block.header),
      header: block.header,
      height: 1,
      chainWork: 0n,
      parent: undefined,
      status: "invalid" as const,
      invalidReason: "bad-cb-amount: coinbase claims 1 > subsidy 0 + fees 0",
      seq: 7,
      size: samples.block.length,
      txCount: 2,
      hasData: false,
    };
    expect(decodeIndexEntry(encodeIndexEntry(entry))).toEqual(entry);
  });
});
