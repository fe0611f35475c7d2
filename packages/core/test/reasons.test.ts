import { describe, expect, it } from "vitest";
import { explainReason, isReason, REASON_NAMES, REASONS } from "../src/index.js";

describe("the reasons table", () => {
  it("remembers a refused block as invalid except where SPEC §6 says the header may be fine", () => {
    const notRemembered = REASON_NAMES.filter((r) => REASONS[r].kind === "block" && !REASONS[r].remembered);
    expect(notRemembered.sort()).toEqual([
      "bad-txnmrklroot",
      "bad-undo",
      "duplicate",
      "high-hash",
      "low-work",
      "prev-blk-not-found",
      "time-too-new",
    ]);
    for (const r of REASON_NAMES.filter((x) => REASONS[x].kind === "tx" || REASONS[x].kind === "tx-context")) {
      expect(REASONS[r].remembered, r).toBe(true);
    }
  });

  it("blames a relaying peer only for transactions no valid chain could hold", () => {
    const honestRaces = ["bad-txns-inputs-missingorspent", "bad-txns-premature-spend-of-coinbase", "bad-txns-nonfinal"];
    for (const r of REASON_NAMES) {
      const { kind, txPeerFault } = REASONS[r];
      const expected = r === "tx-decode-failed" || kind === "tx" || (kind === "tx-context" && !honestRaces.includes(r));
      expect(txPeerFault, r).toBe(expected);
    }
    for (const r of REASON_NAMES.filter((x) => REASONS[x].kind === "policy")) expect(REASONS[r].blockPeerFault, r).toBe(false);
  });

  it("explains every reason in plain words, and a string it does not know honestly", () => {
    for (const r of REASON_NAMES) expect(explainReason(r).length, r).toBeGreaterThan(20);
    expect(isReason("made-up")).toBe(false);
    expect(isReason("__proto__")).toBe(false);
    expect(explainReason("made-up")).toMatch(/code names the rule/);
  });

  it("cannot be changed by a caller", () => {
    expect(Object.isFrozen(REASONS)).toBe(true);
    expect(Object.isFrozen(REASON_NAMES)).toBe(true);
    expect(Object.isFrozen(REASONS["bad-txns-sig"])).toBe(true);
  });
});
