// Web page benchmark against a real `utxolab node` process with a long chain:
// the time from navigation to the first screen (the newest block cards drawn from the
// node's API) in headless Chromium, for a chain of BLOCKS blocks (default 10,000;
// target: under 1 second), plus the API calls behind it and a deep page of older blocks.
// Needs the page built (`pnpm run build:web`) and Chromium (/usr/bin/chromium or CHROMIUM_PATH).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEVNET, devnetAccounts, encodeAddress } from "../../packages/core/dist/index.js";
import { CHROMIUM, launchChromium } from "../chromium.mjs";
import { startNode } from "./common.mjs";

const BLOCKS = Number(process.env.BENCH_WEB_BLOCKS ?? 10_000);
const RUNS = 7;
const BUDGET_MS = 1000;
const PAGE = new URL("../../packages/node/web/dist/index.html", import.meta.url).pathname;

if (!existsSync(PAGE)) {
  console.error("the page is not built: run `pnpm run build:web` first");
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "utxolab-bench-web-"));
/** the node, on a LevelDB datadir so the second run can restart it on the same chain */
let node;
let url;

async function start() {
  node = await startNode(["--datadir", dir]);
  url = node.url;
}

const rpc = (method, ...params) => node.rpc(method, ...params);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

let browser;

const api = async (path) => {
  const s = performance.now();
  const r = await fetch(`${url}${path}`);
  await r.arrayBuffer();
  return performance.now() - s;
};

async function measure(label, height) {
  console.log(`-- ${label}`);
  // the first call of each is timed alone: after a restart it is the one that reads blocks from disk
  for (const path of ["/api/blocks?limit=20", `/api/blocks?from=${Math.floor(height / 2)}&limit=20`, "/api/accounts"]) {
    const first = await api(path);
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(await api(path));
    console.log(`GET ${path}: first ${first.toFixed(1)} ms, then median ${median(times).toFixed(1)} ms`);
  }
  const firstScreen = [];
  const deepPage = [];
  for (let i = 0; i < RUNS; i++) {
    // a fresh context each time: nothing cached, as for someone opening the page for the first time
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    let t = performance.now();
    await page.goto(`${url}/`);
    await page.locator(`[data-testid=block-card][data-height="${height}"]`).waitFor();
    firstScreen.push(performance.now() - t);
    // a different deep page each run, so none is served from the node's fee cache of the run before
    const deep = Math.floor((height * (i + 1)) / (RUNS + 2));
    t = performance.now();
    await page.goto(`${url}/#/chain/${deep}`);
    await page.locator(`[data-testid=block-card][data-height="${deep}"]`).waitFor();
    deepPage.push(performance.now() - t);
    await ctx.close();
  }
  const m = median(firstScreen);
  console.log(
    `first screen with ${height} blocks (navigation to the newest cards drawn, cold browser cache, ${RUNS} runs): median ${ms(m)}, max ${ms(Math.max(...firstScreen))}`,
  );
  console.log(`an older page of 20 blocks (in-page navigation): median ${ms(median(deepPage))}, max ${ms(Math.max(...deepPage))}`);
  console.log(`first screen / ${BUDGET_MS} ms budget: ${(m / BUDGET_MS).toFixed(2)} (${m <= BUDGET_MS ? "within" : "OVER"} the budget)`);
}

try {
  await start();
  const miner = encodeAddress(devnetAccounts()[0].pubkey, DEVNET.hrp);
  let t = performance.now();
  for (let left = BLOCKS; left > 0; left -= Math.min(left, 10_000)) await rpc("generatetoaddress", Math.min(left, 10_000), miner);
  const height = (await rpc("getblockchaininfo")).height;
  console.log(`chain of ${height} blocks mined in ${((performance.now() - t) / 1000).toFixed(1)} s (LevelDB datadir)`);
  browser = await launchChromium();
  await measure("the node that mined the chain (block fees known from its events)", height);
  await node.stop();
  t = performance.now();
  await start();
  console.log(`restarted on the same chain in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await measure("after a restart (fees read back from the blocks and undo data on disk)", height);
} finally {
  await browser?.close();
  if (node && node.proc.exitCode === null) await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
