import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { INTERN_CAPACITY, internedCount, internHash } from "../src/intern.js";

describe("hash interning", () => {
  it("hands back an equal string, and a flood of new hashes never holds more than two generations", () => {
    const h = randomBytes(32).toString("hex");
    expect(internHash(`${h}`)).toBe(h);
    for (let i = 0; i < 3 * INTERN_CAPACITY; i++) internHash(randomBytes(32).toString("hex"));
    expect(internedCount()).toBeLessThanOrEqual(2 * INTERN_CAPACITY);
    expect(internedCount()).toBeGreaterThanOrEqual(INTERN_CAPACITY);
    const late = randomBytes(32).toString("hex");
    expect(internHash(late)).toBe(late);
  });
});
