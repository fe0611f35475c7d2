import { describe, expect, it } from "vitest";
import { nakamoto, rosenfeld, selfishRevenue, selfishThreshold } from "../src/index.js";

describe("published formulas", () => {
  it("reproduce the table of the Bitcoin whitepaper, section 11", () => {
    // q = 0.1, z = 0..10, as printed in the paper
    const q01 = [1.0, 0.2045873, 0.0509779, 0.0131722, 0.0034552, 0.0009137, 0.0002428, 0.0000647, 0.0000173, 0.0000046, 0.0000012];
    for (const [z, p] of q01.entries()) expect(nakamoto(0.1, z)).toBeCloseTo(p, 7);
    // q = 0.3, z = 0, 5, ..., 50
    const q03 = [1.0, 0.1773523, 0.0416605, 0.0101008, 0.0024804, 0.0006132, 0.0001522, 0.0000379, 0.0000095, 0.0000024, 0.0000006];
    for (const [i, p] of q03.entries()) expect(nakamoto(0.3, 5 * i)).toBeCloseTo(p, 7);
  });

  it("give Rosenfeld's exact values: 2q for one confirmation, 5.6% for q = 0.1 and two", () => {
    expect(rosenfeld(0.1, 0)).toBe(1);
    expect(rosenfeld(0.1, 1)).toBeCloseTo(0.2, 12);
    expect(rosenfeld(0.3, 1)).toBeCloseTo(0.6, 12);
    expect(rosenfeld(0.1, 2)).toBeCloseTo(0.056, 12);
    expect(rosenfeld(0.5, 6)).toBe(1);
    // Nakamoto's Poisson shortcut underestimates the attacker from a few confirmations on
    for (let z = 3; z <= 10; z++) expect(rosenfeld(0.3, z)).toBeGreaterThan(nakamoto(0.3, z));
    expect(rosenfeld(0.3, 6)).toBeCloseTo(0.15645, 5);
  });

  it("put Eyal–Sirer's break-even where the threshold says, and the pool above α beyond it", () => {
    for (const g of [0, 0.5, 1]) {
      const t = selfishThreshold(g);
      if (t > 0) expect(selfishRevenue(t, g)).toBeCloseTo(t, 9);
      expect(selfishRevenue(t + 0.05, g)).toBeGreaterThan(t + 0.05);
      if (t > 0.05) expect(selfishRevenue(t - 0.05, g)).toBeLessThan(t - 0.05);
    }
    expect(selfishThreshold(0)).toBeCloseTo(1 / 3, 12);
    expect(selfishThreshold(0.5)).toBeCloseTo(0.25, 12);
  });
});
