import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLED_VECTORS_DIR, loadVectors, VECTORS_DIR } from "./load.js";

// The loader is what lets `UTXOLAB_VECTORS=<dir> pnpm test:vectors` check another set of vectors:
// a file that is missing or empty must fail the run, never pass it on nothing.
describe("vector loader", () => {
  it("reads from UTXOLAB_VECTORS when set, else the repo's own copy in test/vectors", () => {
    expect(VECTORS_DIR).toBe(process.env.UTXOLAB_VECTORS ? resolve(process.env.UTXOLAB_VECTORS) : BUNDLED_VECTORS_DIR);
    expect(BUNDLED_VECTORS_DIR).toMatch(/test[/\\]vectors$/);
    expect(loadVectors("genesis.json").cases.length).toBeGreaterThan(0);
  });

  it("a missing file throws, naming the path and the variable to set", () => {
    expect(() => loadVectors("no-such-vectors.json")).toThrow(/cannot read test vectors .*no-such-vectors\.json.*UTXOLAB_VECTORS/);
  });

  it("a file without cases throws", () => {
    const dir = mkdtempSync(join(tmpdir(), "utxolab-vectors-"));
    try {
      writeFileSync(join(dir, "empty.json"), JSON.stringify({ spec: "x", description: "x", cases: [] }));
      expect(() => loadVectors(relative(VECTORS_DIR, join(dir, "empty.json")))).toThrow(/has no cases/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
