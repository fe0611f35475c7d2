import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";

/** What a test started and must stop: `push` a stop function; they run newest first. */
export interface Cleanup {
  push(stop: () => unknown): void;
}

/**
 * Stops what each test started, after it (or, with `when: "all"`, after the file), newest
 * first, so a failing test never leaves a node, a port or a directory behind.
 */
export function cleanupAfterEach(when: "each" | "all" = "each"): Cleanup {
  const stops: (() => unknown)[] = [];
  (when === "each" ? afterEach : afterAll)(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return { push: (stop) => void stops.push(stop) };
}

/** Makes temporary directories (`prefix` + random), all removed after the file's tests. */
export function tempDirs(prefix = "utxolab-test-"): () => string {
  const cleanup = cleanupAfterEach("all");
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
}
