import { describe, expect, it } from "vitest";
import { buildBlock } from "../src/builder.js";
import { ChainState, MemoryChainBackend } from "../src/chain.js";
import { DEVNET, subsidyAt } from "../src/params.js";

describe("a block remembered as invalid", () => {
  it("is refused again with the stable reason and the same detail", async () => {
    const chain = await ChainState.open(DEVNET, new MemoryChainBackend(), { now: () => DEVNET.genesis.time + 1_000_000 });
    const tip = chain.tip;
    const block = buildBlock(
      {
        prevHash: tip.hash,
        height: 1,
        time: tip.header.time + 60,
        coinbaseOutputs: [{ value: subsidyAt(1, DEVNET), pubkey: new Uint8Array(32).fill(1) }],
      },
      { ...DEVNET, bits: 0x207ffffe },
    );
    const first = await chain.submitBlock(block);
    expect(first).toMatchObject({ ok: false, reason: "bad-diffbits", detail: "bits 0x207ffffe != required 0x207fffff", remembered: true });
    const again = await chain.submitBlock(block);
    expect(again).toMatchObject({ ok: false, reason: "bad-diffbits", detail: "bits 0x207ffffe != required 0x207fffff", remembered: true });
  });
});
