import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadVectors, VECTORS_DIR } from "./load.js";

// The loader is what lets `UTXOLAB_VECTORS=<dir> pnpm test:vectors` check another set of vectors:
// a file that is missing or empty must fail the run, never pass it on nothing.
describe("vector loader", () => {
  it("reads from UTXOLAB_VECTORS when set, else the shared vectors", () => {
    expect(VECTORS_DIR).toMatch(process.env.UTXOLAB_VECTORS ? /./ : /shared[/\\]vectors$/);
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
