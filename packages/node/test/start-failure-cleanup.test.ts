// A --memory node that fails to start (a refused --verify-threads, the verification threads
// failing) leaves no temporary datadir behind.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, UtxoNode } from "../src/index.js";
import { QUIET } from "./helpers.js";

const saved = process.env.TMPDIR;
let dir = "";
afterEach(() => {
  process.env.TMPDIR = saved;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a --memory node that fails to start", () => {
  it("removes its temporary datadir when --verify-threads is refused", async () => {
    dir = mkdtempSync(join(tmpdir(), "utxolab-start-fail-"));
    process.env.TMPDIR = dir;
    const start = UtxoNode.start({ ...QUIET, web: false, verifyThreads: -1 });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    expect(readdirSync(dir)).toEqual([]);
  });
});
