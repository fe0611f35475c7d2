import { describe, expect, it } from "vitest";
import { blockHash, checkBlockHeader, contextualCheckBlockHeader, DEVNET, genesisBlock, solve } from "../src/index.js";

const genesis = genesisBlock(DEVNET);
const ctx = { medianTimePast: 1000, now: 2000 };
const header = (time: number, bits = DEVNET.bits) => ({ ...genesis.header, time, bits });
const outcome = (r: { ok: boolean; reason?: string }) => (r.ok ? "ok" : r.reason);

describe("checkBlockHeader (SPEC §6 high-hash)", () => {
  it("passes a solved header and refuses the same header with a hash above its target", () => {
    const solved = solve({ ...genesis.header, time: 1234 }, DEVNET.powLimit);
    expect(outcome(checkBlockHeader(solved, blockHash(solved), DEVNET))).toBe("ok");
    const tooHigh = `ff${blockHash(solved).slice(2)}` as typeof solved.prevHash;
    expect(outcome(checkBlockHeader(solved, tooHigh, DEVNET))).toBe("high-hash");
  });
});

describe("contextualCheckBlockHeader (SPEC §6, in table order)", () => {
  it("time must be after the median time past and at most two hours past the clock", () => {
    expect(outcome(contextualCheckBlockHeader(header(1000), ctx, DEVNET))).toBe("time-too-old");
    expect(outcome(contextualCheckBlockHeader(header(1001), ctx, DEVNET))).toBe("ok");
    expect(outcome(contextualCheckBlockHeader(header(2000 + DEVNET.maxFutureDrift), ctx, DEVNET))).toBe("ok");
    expect(outcome(contextualCheckBlockHeader(header(2001 + DEVNET.maxFutureDrift), ctx, DEVNET))).toBe("time-too-new");
  });

  it("an invalid parent comes first, then bits, then the times", () => {
    const bad = header(1, DEVNET.bits - 1);
    expect(outcome(contextualCheckBlockHeader(bad, ctx, DEVNET))).toBe("bad-diffbits");
    const parentInvalid = { hash: genesis.header.prevHash, reason: "bad-txns-in-belowout: in 1 < out 2" };
    expect(outcome(contextualCheckBlockHeader(bad, { ...ctx, parentInvalid }, DEVNET))).toBe("bad-prevblk");
    const byHand = { ...parentInvalid, reason: "manually-invalidated: by invalidateblock" };
    expect(outcome(contextualCheckBlockHeader(bad, { ...ctx, parentInvalid: byHand }, DEVNET))).toBe("manually-invalidated");
  });
});
