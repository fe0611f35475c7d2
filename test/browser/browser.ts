import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "@utxolab/testkit";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, launchChromium } from "../../scripts/chromium.mjs";

export const WEB = join(REPO, "packages/node/web");
export const SHOTS = join(REPO, "docs/screenshots");

export function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  return launchChromium();
}

function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stale = (): boolean => {
  const index = join(WEB, "dist/index.html");
  const sources = Math.max(newest(join(WEB, "src")), statSync(join(WEB, "index.html")).mtimeMs);
  return !existsSync(index) || statSync(index).mtimeMs < sources;
};

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The node serves packages/node/web/dist: rebuild it when the page's sources are newer, so tests
 * see the current page. Test files run in parallel, so one builds while the others wait on a lock.
 */
export function ensurePageBuilt(): void {
  const lock = join(tmpdir(), "utxolab-web-build.lock");
  for (;;) {
    if (!stale()) return;
    try {
      mkdirSync(lock);
    } catch {
      // another test file is building; a lock left by a killed run is taken over after a minute
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 60_000) rmSync(lock, { recursive: true, force: true });
      sleep(100);
      continue;
    }
    try {
      if (!stale()) return;
      const r = spawnSync(process.execPath, [join(REPO, "node_modules/vite/bin/vite.js"), "build", WEB, "--logLevel", "warn"], {
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`building the page failed:\n${r.stdout}\n${r.stderr}`);
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** Screenshots for docs/ are taken only on request (UTXOLAB_SCREENSHOTS=1), so a test run leaves the tree alone. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  if (!process.env.UTXOLAB_SCREENSHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: opts.fullPage ?? false });
}
