import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lockWallet } from "../src/walletfile.js";

const dir = mkdtempSync(join(tmpdir(), "utxolab-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the wallet's lock file", () => {
  it("takes over an empty or garbled lock left by a crash, once it is a few seconds old", async () => {
    for (const [name, content] of [
      ["empty", ""],
      ["garbled", "not a pid"],
    ]) {
      const file = join(dir, `${name}.json`);
      writeFileSync(`${file}.lock`, content);
      // a fresh one may be a lock being written by an older program: not taken at once
      await expect(lockWallet(file, 100)).rejects.toThrow(/in use by process \(unknown\)/);
      const old = new Date(Date.now() - 10_000);
      utimesSync(`${file}.lock`, old, old);
      const release = await lockWallet(file, 100);
      await expect(lockWallet(file, 100)).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
      await release();
    }
  });

  it("still refuses a lock held by a live process, whatever its age", async () => {
    const file = join(dir, "live.json");
    writeFileSync(`${file}.lock`, String(process.pid));
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    await expect(lockWallet(file, 100)).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
  });
});
