import { GENESIS_PARENT, genesisCoin, nextBlock, openChain, out, spend } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { type Block, blockHash, DEVNET, encodeBlock } from "../src/index.js";

/**
 * A peer can send a real block's header with a body of its own. A body that does not
 * match the header's merkle root says nothing about the block the header names, so the
 * refusal must not be remembered, whichever size rule the wrong body breaks first.
 */
describe("a real header with a body too short or too long (SPEC v1.1: bad-blk-length with a non-matching merkle root is not remembered)", () => {
  it("no transactions: bad-blk-length, not remembered, and the real block is accepted after", async () => {
    const chain = await openChain();
    const real = nextBlock(GENESIS_PARENT);
    const r = await chain.submitBlock({ header: real.header, txs: [] });
    expect(r).toMatchObject({ ok: false, reason: "bad-blk-length", remembered: false });
    expect(chain.getEntry(blockHash(real.header))).toBeUndefined();
    expect(await chain.submitBlock(real)).toMatchObject({ ok: true, height: 1, active: true });
  });

  it("padded past maxBlockSize: bad-blk-length, not remembered, and the real block is accepted after", async () => {
    const real = nextBlock(GENESIS_PARENT);
    const size = encodeBlock(real).length;
    const chain = await openChain({ params: { ...DEVNET, maxBlockSize: size + 50 } });
    const padding = spend([genesisCoin(0)], [out(1000, 1)]);
    const padded: Block = { header: real.header, txs: [...real.txs, padding] };
    expect(encodeBlock(padded).length).toBeGreaterThan(size + 50);
    expect(await chain.submitBlock(padded)).toMatchObject({ ok: false, reason: "bad-blk-length", remembered: false });
    expect(await chain.submitBlock(real)).toMatchObject({ ok: true, height: 1, active: true });
  });

  it("a block whose own body is too large is still remembered", async () => {
    const real = nextBlock(GENESIS_PARENT);
    const size = encodeBlock(real).length;
    const chain = await openChain({ params: { ...DEVNET, maxBlockSize: size - 1 } });
    expect(await chain.submitBlock(real)).toMatchObject({ ok: false, reason: "bad-blk-length", remembered: true });
    expect(await chain.submitBlock(real)).toMatchObject({ ok: false, reason: "bad-blk-length", remembered: true });
  });
});
