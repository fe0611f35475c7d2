// Web page benchmark against a real `utxolab node` process with a long chain:
// the time from navigation to the first screen (the newest block cards drawn from the
// node's API) in headless Chromium, for a chain of BLOCKS blocks (default 10,000;
// target: under 1 second), plus the API calls behind it and a deep page of older blocks.
// Needs the page built (`pnpm run build:web`) and Chromium (/usr/bin/chromium or CHROMIUM_PATH).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { DEVNET, devnetAccounts, encodeAddress } from "../../packages/core/dist/index.js";

const BLOCKS = Number(process.env.BENCH_WEB_BLOCKS ?? 10_000);
const RUNS = 7;
const BUDGET_MS = 1000;
const CLI = new URL("../../packages/cli/bin/utxolab.js", import.meta.url).pathname;
const PAGE = new URL("../../packages/node/web/dist/index.html", import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

if (!existsSync(PAGE)) {
  console.error("the page is not built: run `pnpm run build:web` first");
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  process.exit(2);
}

const token = "bench-token";
const dir = mkdtempSync(join(tmpdir(), "utxolab-bench-web-"));
const proc = spawn(
  process.execPath,
  [CLI, "node", "--memory", "--datadir", dir, "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", token],
  {
    stdio: ["ignore", "pipe", "pipe"],
  },
);
const url = await new Promise((resolve, reject) => {
  let out = "";
  proc.stdout.on("data", (d) => {
    out += d;
    const m = /rpc (http:\/\/\S+)\/rpc/.exec(out);
    if (m && out.includes("chain at height")) resolve(m[1]);
  });
  proc.stderr.on("data", (d) => (out += d));
  proc.on("exit", (code) => reject(new Error(`node exited with ${code}:\n${out}`)));
});
// the node prints a line per block: keep the pipe drained
proc.stdout.resume();

async function rpc(method, ...params) {
  const res = await fetch(`${url}/rpc`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

let browser;
try {
  const miner = encodeAddress(devnetAccounts()[0].pubkey, DEVNET.hrp);
  let t = performance.now();
  for (let left = BLOCKS; left > 0; left -= Math.min(left, 10_000)) await rpc("generatetoaddress", Math.min(left, 10_000), miner);
  const height = (await rpc("getblockchaininfo")).height;
  console.log(`chain of ${height} blocks mined in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const api = async (path) => {
    const s = performance.now();
    const r = await fetch(`${url}${path}`);
    await r.arrayBuffer();
    return performance.now() - s;
  };
  for (const path of [
    "/api/info",
    "/api/blocks?limit=20",
    `/api/blocks?from=${Math.floor(height / 2)}&limit=20`,
    "/api/accounts",
    "/api/mempool",
  ]) {
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(await api(path));
    console.log(`GET ${path}: median ${times.length ? median(times).toFixed(1) : "?"} ms`);
  }

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const firstScreen = [];
  const deepPage = [];
  for (let i = 0; i < RUNS; i++) {
    // a fresh context each time: nothing cached, as for someone opening the page for the first time
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    t = performance.now();
    await page.goto(`${url}/`);
    await page.locator(`[data-testid=block-card][data-height="${height}"]`).waitFor();
    firstScreen.push(performance.now() - t);
    t = performance.now();
    await page.goto(`${url}/#/chain/${Math.floor(height / 3)}`);
    await page.locator(`[data-testid=block-card][data-height="${Math.floor(height / 3)}"]`).waitFor();
    deepPage.push(performance.now() - t);
    await ctx.close();
  }
  const m = median(firstScreen);
  console.log(
    `first screen with ${height} blocks (navigation to the newest cards drawn, cold cache, ${RUNS} runs): median ${ms(m)}, max ${ms(Math.max(...firstScreen))}`,
  );
  console.log(`page of blocks around height ${Math.floor(height / 3)} (in-page navigation): median ${ms(median(deepPage))}`);
  console.log(`first screen / ${BUDGET_MS} ms budget: ${(m / BUDGET_MS).toFixed(2)}`);
  if (m > BUDGET_MS) process.exitCode = 1;
} finally {
  await browser?.close();
  proc.kill("SIGTERM");
  await new Promise((r) => proc.on("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
