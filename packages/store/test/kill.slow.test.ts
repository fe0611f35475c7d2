import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { openChain } from "@utxolab/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../src/index.js";
import { expectLedgerOk, params } from "./chain-helpers.js";
import { tempDir } from "./places.js";

const pkg = join(import.meta.dirname, "..");

/** Runs the miner until it has reported `lines` more blocks, then SIGKILLs it wherever it is. */
function mineThenKill(dir: string, lines: number): Promise<{ height: number; hash: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(pkg, "test/fixtures/miner.mjs"), dir], { cwd: pkg, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let last: { height: number; hash: string } | undefined;
    let seen = 0;
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      const done = out.split("\n");
      out = done.pop() ?? "";
      for (const line of done) {
        const m = /^connected (\d+) ([0-9a-f]{64})$/.exec(line);
        if (!m) continue;
        last = { height: Number(m[1]), hash: m[2] };
        if (++seen === lines) child.kill("SIGKILL");
      }
    });
    child.once("exit", (code, signal) => {
      if (signal === "SIGKILL" && last) resolve(last);
      else reject(new Error(`miner exited (${code ?? signal}) before being killed: ${err}`));
    });
  });
}

describe("a process killed while it writes", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("restarts on a tip at least as far as the last one it reported, with that tip's UTXO set", async () => {
    expect(existsSync(join(pkg, "dist/index.js")), "build first: pnpm exec tsc -b").toBe(true);
    dir = await tempDir();
    for (let round = 0; round < 4; round++) {
      const reported = await mineThenKill(dir, 15);
      const store = await openStore({ dir, params });
      const cs = await openChain({ backend: store });
      expect(cs.height).toBeGreaterThanOrEqual(reported.height);
      expect(cs.atHeight(reported.height)?.hash).toBe(reported.hash);
      await expectLedgerOk(cs);
      await store.close();
    }
  });
});
