// The one proof-of-work loop (pow.ts searchNonce / solve), used by the builder, genesis and the node's miner.
import { describe, expect, it } from "vitest";
import {
  type BlockHeader,
  blockHash,
  checkProofOfWork,
  DEVNET,
  genesisBlock,
  headerHashNoMemo,
  searchNonce,
  solve,
  solveHeader,
  ZERO_HASH,
} from "../src/index.js";

const base: BlockHeader = {
  version: 1,
  prevHash: ZERO_HASH,
  merkleRoot: ZERO_HASH,
  time: DEVNET.genesis.time,
  bits: DEVNET.bits,
  nonce: 0,
};
const meets = (h: BlockHeader) => checkProofOfWork(headerHashNoMemo(h), h.bits, DEVNET.powLimit);

describe("one nonce search", () => {
  it("solve finds the smallest nonce from the start that meets the target, and remembers the hash", () => {
    for (let time = base.time; time < base.time + 20; time++) {
      const start = { ...base, time };
      const h = solve(start, DEVNET.powLimit);
      expect(meets(h)).toBe(true);
      expect(blockHash(h)).toBe(headerHashNoMemo(h));
      for (let n = 0; n < h.nonce; n++) expect(meets({ ...start, nonce: n })).toBe(false);
      expect(start.nonce).toBe(0); // the caller's header is left as it was
      expect(solveHeader(start, DEVNET)).toEqual(h);
    }
  });

  it("searched one try at a time (as the miner does in slices) ends where solve does", () => {
    for (let time = base.time; time < base.time + 20; time++) {
      const start = { ...base, time };
      let r = searchNonce(start, DEVNET.powLimit, 1);
      let slices = 1;
      while (!r.found) {
        expect(r.next.nonce).toBe(slices);
        r = searchNonce(r.next, DEVNET.powLimit, 1);
        slices++;
      }
      expect(r.header).toEqual(solve(start, DEVNET.powLimit));
    }
  });

  it("moves the time on a second when the nonce wraps", () => {
    let time = base.time;
    while (meets({ ...base, time, nonce: 0xffffffff })) time++;
    const r = searchNonce({ ...base, time, nonce: 0xffffffff }, DEVNET.powLimit, 1);
    expect(r).toEqual({ found: false, next: { ...base, time: time + 1, nonce: 0 } });
  });

  it("genesis is still the smallest valid nonce of its header", () => {
    const g = genesisBlock(DEVNET).header;
    expect(meets(g)).toBe(true);
    for (let n = 0; n < g.nonce; n++) expect(meets({ ...g, nonce: n })).toBe(false);
  });
});
