import { address, coin, GENESIS_VALUE, genesisCoin, NodeProcess, pay } from "@utxolab/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Block,
  blockHash,
  bytesToHex,
  DEVNET,
  encodeBlock,
  formatCoins,
  type Hash,
  subsidyAt,
} from "../../packages/core/src/index.js";
import { ensurePageBuilt, launch, screenshot } from "./browser.js";

let node: NodeProcess;
let browser: Browser;
let page: Page;
const offOrigin: string[] = [];
const pageErrors: string[] = [];

const blockHex = (b: Block) => bytesToHex(encodeBlock(b));

/** Waits for the page to catch up with the node; the limit only bounds a failing run. */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000 });

const card = (height: number, active = true) => page.locator(`[data-testid=block-card][data-height="${height}"][data-active="${active}"]`);

beforeAll(async () => {
  ensurePageBuilt();
  [node, browser] = await Promise.all([NodeProcess.start(), launch()]);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const origin = new URL(node.rpcUrl).origin;
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) offOrigin.push(r.url());
  });
  page.on("pageerror", (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

describe("the workshop page", () => {
  it("loads from the node without a token and shows the chain live", async () => {
    await page.goto(`${node.rpcUrl}/`);
    await page.locator("main[data-ready=true]").waitFor();
    await eventually(() => page.getByTestId("live").textContent()).toBe("live");
    expect(await page.getByTestId("network").textContent()).toBe("devnet");
    expect(await card(0).count()).toBe(1);
    expect(await page.getByTestId("height").textContent()).toBe("0");
  });

  it("shows a block mined over RPC without a reload", async () => {
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });
    const [hash] = await node.rpc<string[]>("generatetoaddress", 1, address(9));
    await card(1).waitFor();
    expect(await card(1).getAttribute("data-hash")).toBe(hash);
    await eventually(() => page.getByTestId("height").textContent()).toBe("1");
    expect(await page.getByTestId("feed").textContent()).toContain("#1");
    // the same document: nothing reloaded it
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await node.rpc("generatetoaddress", 11, address(0));
    await card(12).waitFor();
    await screenshot(page, "chain");
  });

  it("refuses a typed negative or too-large amount before signing, with the reason", async () => {
    await page.getByTestId("tab-try").click();
    await page.getByTestId("try-view").waitFor();
    await page.getByTestId("try-from").selectOption("3");
    await page.getByTestId("try-amount").fill("-5");
    await page.getByTestId("try-send").click();
    await eventually(() => page.getByTestId("try-local").textContent()).toContain('amount: "-5" is negative');
    await page.getByTestId("try-amount").fill("21000000.00000001");
    await page.getByTestId("try-send").click();
    await eventually(() => page.getByTestId("try-local").textContent()).toContain("above MAX_MONEY");
    await page.getByTestId("try-amount").fill("5000");
    await page.getByTestId("try-send").click();
    await eventually(() => page.getByTestId("try-local").textContent()).toContain("can spend 1,000 coins");
  });

  it("shows the node refusing an overspend built in the panel (bad-txns-in-belowout)", async () => {
    await page.getByTestId("try-overspend").click();
    const result = page.getByTestId("try-result");
    await eventually(() => result.textContent()).toContain("bad-txns-in-belowout: in 100000000000 < out 100100000000");
    expect(await result.textContent()).toContain("No one spends what they do not have");
    await screenshot(page, "try-overspend");
    // the same with the page's own balance check skipped: the node is the one that says no
    await page.getByTestId("try-amount").fill("5000");
    await page.getByTestId("try-skip").check();
    await page.getByTestId("try-send").click();
    await eventually(() => result.textContent()).toContain("bad-txns-in-belowout: in 100000000000 < out 500000000000");
    await page.getByTestId("try-skip").uncheck();
    expect((await node.rpc("getaddressinfo", address(3))).spendable).toBe(GENESIS_VALUE.toString());
  });

  it("pays, then shows a double spend of the same coin refused", async () => {
    await page.getByTestId("try-from").selectOption("4");
    await page.getByTestId("try-amount").fill("12.5");
    await page.getByTestId("try-send").click();
    const result = page.getByTestId("try-result");
    await eventually(() => result.textContent()).toContain("The node accepted it");
    await page.getByTestId("try-doublespend").click();
    await eventually(() => result.textContent()).toContain("txn-mempool-conflict");
    expect(await node.rpc<string[]>("getrawmempool")).toHaveLength(1);
  });

  it("lists refusals with the reason, its numbers and plain words", async () => {
    await page.getByTestId("tab-refused").click();
    const overspend = page.locator("[data-testid=refusal][data-reason=bad-txns-in-belowout]").first();
    await overspend.waitFor();
    expect(await overspend.textContent()).toContain("in 100000000000 < out 500000000000");
    expect(await page.locator("[data-testid=refusal][data-reason=txn-mempool-conflict]").count()).toBe(1);
    await screenshot(page, "refused");
  });

  it("shows the pool and a transaction's outputs as spent or unspent", async () => {
    await page.getByTestId("tab-pool").click();
    const row = page.getByTestId("pool-tx").first();
    await row.waitFor();
    const id = (await row.getAttribute("data-txid")) as string;
    await screenshot(page, "pool");
    await row.locator("a").first().click();
    await page.getByTestId("tx-view").waitFor();
    await eventually(() => page.getByTestId("tx-view").textContent()).toContain("waiting in the pool");
    expect(await page.getByTestId("unspent").count()).toBe(2);
    await node.rpc("generatetoaddress", 1, address(9));
    await eventually(() => page.getByTestId("tx-view").textContent()).toContain("confirmed in block #13");
    await screenshot(page, "tx");
    // the genesis output it spent now names its spender
    const genesisTx = (await node.rpc("getblock", await node.rpc("getblockhash", 0), true)).txids[0];
    await page.goto(`${node.rpcUrl}/#/tx/${genesisTx}`);
    await page.locator("main[data-ready=true]").waitFor();
    await eventually(() => page.getByTestId("tx-view").textContent()).toContain("spent by");
    expect(await page.getByTestId("tx-view").locator(`a[title="${id}"]`).count()).toBe(1);
  });

  it("shows the accounts' spendable, immature and pending coins", async () => {
    await page.getByTestId("tab-accounts").click();
    const a0 = page.locator("[data-testid=account][data-index='0']");
    await a0.waitFor();
    // account 0 mined 11 blocks: rewards wait 10 blocks, so some are spendable and the newest are not yet
    const info = await node.rpc("getaddressinfo", address(0));
    const shown = (units: string) => formatCoins(BigInt(units)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    expect(BigInt(info.immature)).toBeGreaterThan(0n);
    const cells = await a0.locator("td").allTextContents();
    expect(cells.slice(2)).toEqual([shown(info.spendable), shown(info.immature), shown(info.pending)]);
    await screenshot(page, "accounts");
  });

  it("shows a reorganization: the heavier branch wins and the old blocks stay visible beside it", async () => {
    await page.getByTestId("tab-chain").click();
    await card(13).waitFor();
    const info = await node.rpc("getblockchaininfo");
    const forkAt = info.height - 1;
    const forkHash = await node.rpc<string>("getblockhash", forkAt);
    const b1 = await node.blockOn(forkHash as Hash, forkAt + 1, { payTo: 7 });
    const b2 = await node.blockOn(blockHash(b1.header), forkAt + 2, { payTo: 7 });
    expect(await node.rpc("submitblock", blockHex(b1))).toBeNull();
    expect(await node.rpc("submitblock", blockHex(b2))).toBeNull();
    const banner = page.getByTestId("reorg-banner");
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`fork at #${forkAt}`);
    await card(forkAt + 2).waitFor();
    expect(await card(forkAt + 2).getAttribute("data-hash")).toBe(blockHash(b2.header));
    // the block that lost is still shown, beside the one that replaced it
    await card(info.height, false).waitFor();
    expect(await card(info.height, false).getAttribute("data-hash")).toBe(info.bestBlockHash);
    expect(await card(info.height).getAttribute("data-hash")).toBe(blockHash(b1.header));
  });

  it("shows a refused block above the tip, marked invalid with its reason", async () => {
    const info = await node.rpc("getblockchaininfo");
    const greedy = await node.blockOn(info.bestBlockHash, info.height + 1, {
      after: 0,
      claim: subsidyAt(info.height + 1, DEVNET) * 2n,
      payTo: 8,
    });
    expect(await node.rpc("submitblock", blockHex(greedy))).toBe("bad-cb-amount");
    const refused = card(info.height + 1, false);
    await refused.waitFor();
    expect(await refused.textContent()).toContain("bad-cb-amount");
    await eventually(() => page.getByTestId("feed").textContent()).toContain("block refused (rpc): bad-cb-amount");
    await screenshot(page, "reorg");
  });

  it("shows a block with its transactions", async () => {
    await card(13, false).click();
    await page.getByTestId("block-view").waitFor();
    await eventually(() => page.getByTestId("block-view").textContent()).toContain("side branch");
    await screenshot(page, "block");
  });

  it("says so when the only coin an attack could use is too small to pay its fee", async () => {
    // account 6 gives its genesis coin to account 5 (mined), then gets 1,000 units back in a waiting payment
    const all = pay([genesisCoin(6)], [[5, GENESIS_VALUE - 1000n]]);
    await node.rpc("sendrawtransaction", all.hex);
    await node.rpc("generatetoaddress", 1, address(9));
    const tiny = pay(
      [coin(all.txid, 0, GENESIS_VALUE - 1000n, 5)],
      [
        [6, 1000n],
        [5, GENESIS_VALUE - 3000n],
      ],
    );
    await node.rpc("sendrawtransaction", tiny.hex);
    await page.getByTestId("tab-try").click();
    await page.getByTestId("try-from").selectOption("6");
    const result = page.getByTestId("try-result");
    for (const attack of ["try-forge", "try-doublespend"]) {
      await page.getByTestId(attack).click();
      await eventually(() => result.textContent()).toContain("too small");
      expect(await result.textContent()).not.toContain("unexpected error");
    }
  });

  it("loaded everything from the node itself and threw nothing", () => {
    expect(offOrigin).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
