import { address, GENESIS_VALUE, genesisCoin, NodeProcess, pay, runCli } from "@utxolab/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, encodeBlock, type Hash, publicKeyOf, randomSecretKey } from "../../packages/core/src/index.js";
import { ensurePageBuilt, launch, screenshot } from "./browser.js";

/** A node that mines only when asked: tamper, coins, layout and the attacks on a fresh devnet. */
let plain: NodeProcess;
/** A node like the devnet's node0 (--automine, rewards to account 9): mining controls and the guide's order. */
let auto: NodeProcess;
let browser: Browser;
const pageErrors: string[] = [];

const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });

async function open(node: NodeProcess, hash: string, size = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport: size });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${node.rpcUrl}/${hash}`);
  await page.locator("main[data-ready=true]").waitFor();
  await eventually(() => page.getByTestId("live").textContent()).toBe("live");
  return page;
}

beforeAll(async () => {
  ensurePageBuilt();
  [plain, auto, browser] = await Promise.all([
    NodeProcess.start(),
    NodeProcess.start({ args: ["--automine", "--mine-to", address(9)] }),
    launch(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([plain?.stop(), auto?.stop()]);
});

describe("the Try panel on a fresh devnet", () => {
  it("runs every attack from the default account, which is the richest, and refuses amount 0", async () => {
    const page = await open(plain, "#/try");
    const result = page.getByTestId("try-result");
    // all ten hold 1,000 coins at genesis: the first of the richest
    await eventually(() => page.getByTestId("try-from").inputValue()).toBe("0");
    await page.getByTestId("try-amount").fill("0");
    await page.getByTestId("try-send").click();
    await eventually(() => page.getByTestId("try-local").textContent()).toContain("an amount of 0 pays nobody anything");
    await page.getByTestId("try-overspend").click();
    await eventually(() => result.textContent()).toContain("bad-txns-in-belowout");
    // every amount of the refusal in coins too
    expect(await result.getByTestId("in-coins").textContent()).toContain("in 1,000 coins, out 1,001 coins");
    await page.getByTestId("try-forge").click();
    await eventually(() => result.textContent()).toContain("bad-txns-sig");
    await page.getByTestId("try-premature").click();
    // no fresh reward on a fresh devnet: the page mines one to the account first, then spends it too early
    await eventually(() => result.textContent()).toContain("bad-txns-premature-spend-of-coinbase");
    expect(await result.textContent()).toContain("with its reward to account 0");
    await page.getByTestId("try-doublespend").click();
    await eventually(() => result.textContent()).toContain("txn-mempool-conflict");
    expect(await result.textContent()).toContain("It waits in the pool for a block.");
    await screenshot(page, "try-attacks", { fullPage: true });
    // the account's only coin now waits in the pool: the next attack says exactly that
    await page.getByTestId("try-overspend").click();
    await eventually(() => result.textContent()).toContain("already spent by a payment waiting in the pool");
    expect(await result.textContent()).toContain("Or pick account 1");
    expect(await result.textContent()).not.toContain("mining rewards wait");
    // premature spend from another account works as well
    await page.getByTestId("try-from").selectOption("5");
    await page.getByTestId("try-premature").click();
    await eventually(() => result.textContent()).toContain("with its reward to account 5");
    await eventually(() => result.textContent()).toContain("bad-txns-premature-spend-of-coinbase");
    await page.close();
  });

  it("shows why no balance can go negative without scrolling at 1280×800", async () => {
    const page = await open(plain, "#/try", { width: 1280, height: 800 });
    const box = await page.getByTestId("try-why").boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y + box!.height).toBeLessThanOrEqual(800);
    expect(box!.x + box!.width).toBeLessThanOrEqual(1280);
    await page.close();
  });
});

describe("mining controls and the demo banner", () => {
  it("pauses automine so the pool can be taught, mines one block, and resumes", async () => {
    const page = await open(auto, "#/pool");
    await eventually(() => page.getByTestId("mining-status").textContent()).toBe("mining: automatic");
    await page.getByTestId("mining-pause").click();
    await eventually(() => page.getByTestId("mining-status").textContent()).toContain("PAUSED");
    const before = (await auto.rpc("getblockchaininfo")).height;
    const p = pay(
      [genesisCoin(2)],
      [
        [3, 200_000_000n],
        [2, GENESIS_VALUE - 200_000_000n - 1000n],
      ],
    );
    await auto.rpc("sendrawtransaction", p.hex);
    await page.locator(`[data-testid=pool-tx][data-txid="${p.txid}"]`).waitFor();
    expect((await auto.rpc("getblockchaininfo")).height).toBe(before);
    await screenshot(page, "pool-paused");
    await page.getByTestId("mining-one").click();
    await eventually(async () => (await auto.rpc("getblockchaininfo")).height).toBe(before + 1);
    await eventually(() => page.getByTestId("pool-view").textContent()).toContain("Waiting transactions: 0");
    const q = pay(
      [genesisCoin(4)],
      [
        [3, 200_000_000n],
        [4, GENESIS_VALUE - 200_000_000n - 1000n],
      ],
    );
    await auto.rpc("sendrawtransaction", q.hex);
    await page.locator(`[data-testid=pool-tx][data-txid="${q.txid}"]`).waitFor();
    await page.getByTestId("mining-resume").click();
    await eventually(async () => (await auto.rpc("getblockchaininfo")).height).toBe(before + 2);
    await eventually(() => page.getByTestId("mining-status").textContent()).toBe("mining: automatic");
    await page.close();
  });

  it("shows a running demo's step in a banner pushed over the live socket", async () => {
    const page = await open(auto, "#/");
    const r = runCli(["demo", "negative-amount", "--step", "--rpc", auto.rpcUrl, "--rpc-token", auto.token], { input: "" });
    // with no Enter to wait for, a --step demo runs on; the banner followed it and went away at the end
    const out = await r;
    expect(out.code, out.stdout + out.stderr).toBe(0);
    // a demo in progress, as the CLI announces it
    await fetch(`${auto.rpcUrl}/api/demo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "overspend", step: 2, total: 5, text: "Account 1 tries to pay 1,001 coins" }),
    });
    const banner = page.getByTestId("demo-banner");
    await eventually(() => banner.textContent()).toBe("demo overspend — step 2/5: Account 1 tries to pay 1,001 coins");
    await screenshot(page, "demo-banner");
    await fetch(`${auto.rpcUrl}/api/demo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "overspend", step: 5, total: 5, done: true }),
    });
    await eventually(() => banner.isHidden()).toBe(true);
    await page.close();
  });
});

describe("the Try panel after the guide's earlier steps (automine, a wallet payment, demos)", () => {
  it("picks a richer account than the emptied account 0 and still runs every attack", async () => {
    // Part 3: `wallet send … 1.5` spends account 0's coin; the change goes to a wallet address, not an account
    const walletChange = publicKeyOf(randomSecretKey());
    const p = pay(
      [genesisCoin(0)],
      [
        [1, 150_000_000n],
        [walletChange, GENESIS_VALUE - 150_000_000n - 191n],
      ],
    );
    const start = (await auto.rpc("getblockchaininfo")).height;
    await auto.rpc("sendrawtransaction", p.hex);
    await eventually(async () => (await auto.rpc("getblockchaininfo")).height).toBe(start + 1);
    // Part 4: demos
    for (const demo of ["overspend", "double-spend"]) {
      const r = await runCli(["demo", demo, "--pace", "0", "--rpc", auto.rpcUrl, "--rpc-token", auto.token]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    const page = await open(auto, "#/try");
    const result = page.getByTestId("try-result");
    await eventually(() => page.getByTestId("try-from").inputValue()).not.toBe("");
    const accountsNow = await (await fetch(`${auto.rpcUrl}/api/accounts`)).json();
    const best = [...accountsNow].sort((x, y) => (BigInt(y.spendable) > BigInt(x.spendable) ? 1 : -1))[0].index;
    expect(await page.getByTestId("try-from").inputValue()).toBe(String(best));
    expect(best).not.toBe(0);
    for (const [attack, reason] of [
      ["try-overspend", "bad-txns-in-belowout"],
      ["try-forge", "bad-txns-sig"],
      ["try-premature", "bad-txns-premature-spend-of-coinbase"],
      ["try-doublespend", "txn-mempool-conflict|bad-txns-inputs-missingorspent"],
    ]) {
      await page.getByTestId(attack).click();
      await eventually(async () => new RegExp(reason).test((await result.textContent()) ?? "")).toBe(true);
      expect(await result.textContent()).not.toContain("unexpected error");
    }
    // account 0 holds nothing now: the page says so and names a richer one
    await page.getByTestId("try-from").selectOption("0");
    await page.getByTestId("try-overspend").click();
    await eventually(() => result.textContent()).toContain("account 0 has no coin to use right now");
    expect(await result.textContent()).toMatch(/Or pick account \d/);
    // under automine an accepted payment is already in a block: the page does not claim it waits
    await page.getByTestId("try-from").selectOption(String(best));
    await page.getByTestId("try-amount").fill("1");
    await page.getByTestId("try-send").click();
    await eventually(() => result.textContent()).toContain("The miner already confirmed it in block #");
    expect(await result.textContent()).toContain("fee ");
    await page.close();
  });
});

describe("coins and history", () => {
  it("shows the coins a block consumed and created with their owners, and a balance as the sum of coins", async () => {
    const p = pay(
      [genesisCoin(6)],
      [
        [7, 250_000_000n],
        [6, GENESIS_VALUE - 250_000_000n - 1000n],
      ],
    );
    await plain.rpc("sendrawtransaction", p.hex);
    const [hash] = await plain.rpc<string[]>("generatetoaddress", 1, address(9));
    const page = await open(plain, `#/block/${hash}`);
    const consumed = page.getByTestId("coin-consumed");
    await consumed.first().waitFor();
    expect(await consumed.count()).toBe(1);
    expect(await consumed.first().textContent()).toContain("1,000 coins");
    expect(await consumed.first().textContent()).toContain("account 6");
    const created = page.getByTestId("coin-created");
    expect(await created.count()).toBe(3);
    const texts = await created.allTextContents();
    expect(texts.some((t) => t.includes("2.5 coins") && t.includes("account 7"))).toBe(true);
    expect(texts.some((t) => t.includes("account 9") && t.includes("a mining reward") === false)).toBe(true);
    await screenshot(page, "block-coins", { fullPage: true });
    await page.goto(`${plain.rpcUrl}/#/address/${address(7)}`);
    const sum = page.getByTestId("balance-sum");
    await sum.waitFor();
    await eventually(() => sum.textContent()).toContain("= 1,002.5 coins");
    expect(await sum.textContent()).toMatch(/2\.5 \+ 1,000|1,000 \+ 2\.5/);
    await screenshot(page, "address-sum");
    await page.close();
  });

  it("gives a message for a height that is not a number", async () => {
    const page = await open(plain, "#/");
    await page.getByTestId("jump").fill("abc");
    await page.getByTestId("jump-go").click();
    await eventually(() => page.getByTestId("jump-msg").textContent()).toContain("“abc” is not a height");
    await page.close();
  });

  it("tampers with a confirmed block: the breakage ripples, re-mining repairs it, and the node says what it makes of it", async () => {
    await plain.rpc("generatetoaddress", 4, address(9));
    const tip = (await plain.rpc("getblockchaininfo")).height;
    const target = tip - 3;
    const page = await open(plain, "#/");
    // chain cards show each block's link to its parent
    const link = page.locator(`[data-testid=block-card][data-height="${tip}"] [data-testid=card-link]`);
    expect(await link.textContent()).toContain(`links to #${tip - 1}: ${(await plain.rpc<string>("getblockhash", tip - 1)).slice(0, 10)}`);
    await page.goto(`${plain.rpcUrl}/#/block/${target}`);
    await page.getByTestId("tamper-link").click();
    const cards = page.getByTestId("tamper-card");
    await eventually(() => cards.count()).toBe(4);
    const mark = (i: number, name: string) => cards.nth(i).getByTestId(name);
    for (let i = 0; i < 4; i++) expect(await cards.nth(i).getAttribute("data-intact")).toBe("true");
    // double the miner's reward in block `target`
    const amount = page.getByTestId("tamper-amount").first();
    const before = BigInt(Math.round(Number(await amount.inputValue()) * 1e8));
    await amount.fill(String((before * 2n) / 100_000_000n));
    await amount.dispatchEvent("change");
    await eventually(() => mark(0, "tamper-txid").getAttribute("data-ok")).toBe("false");
    expect(await mark(0, "tamper-root").textContent()).toContain("merkle root changed");
    expect(await mark(0, "tamper-hash").getAttribute("data-ok")).toBe("false");
    // the next block's link no longer holds, whatever luck the proof of work had
    expect(await mark(1, "tamper-link").getAttribute("data-ok")).toBe("false");
    await screenshot(page, "tamper-broken", { fullPage: true });
    await cards.nth(0).getByTestId("tamper-remine").click();
    await eventually(() => mark(0, "tamper-pow").getAttribute("data-ok")).toBe("true");
    // re-mining one block leaves the next one pointing at its old hash: every later block must be re-mined
    expect(await mark(1, "tamper-link").getAttribute("data-ok")).toBe("false");
    await page.getByTestId("tamper-remine-all").click();
    for (let i = 1; i < 4; i++) await eventually(() => mark(i, "tamper-link").getAttribute("data-ok")).toBe("true");
    await page.getByTestId("tamper-send").click();
    const result = page.getByTestId("tamper-result");
    await eventually(() => page.getByTestId("tamper-answer").count()).toBe(4);
    expect(await result.textContent()).toContain("side branch");
    expect((await plain.rpc("getblockchaininfo")).height).toBe(tip);
    // out-mine the chain by one block: the node tries the branch, checks it, and names the broken block
    await page.getByTestId("tamper-extend").click();
    await eventually(() => cards.count()).toBe(5);
    await eventually(() => page.getByTestId("tamper-send").isEnabled()).toBe(true);
    await page.getByTestId("tamper-send").click();
    await eventually(() => page.getByTestId("tamper-cause").count()).toBe(1);
    expect(await page.getByTestId("tamper-cause").textContent()).toContain(`block #${target} broken`);
    expect(await page.getByTestId("tamper-cause").textContent()).toContain("bad-cb-amount");
    expect((await plain.rpc("getblockchaininfo")).bestBlockHash).toBe(await plain.rpc("getblockhash", tip));
    await screenshot(page, "tamper", { fullPage: true });
    await page.close();
  });
});

describe("layout", () => {
  it("never lets a card run under the Live column at 1024, 1280, 1366 and 1920 px", async () => {
    // three branches at the same heights beside the best chain
    const info = await plain.rpc("getblockchaininfo");
    const fork = await plain.rpc<Hash>("getblockhash", info.height - 1);
    for (const to of [3, 4, 5]) {
      const b = await plain.blockOn(fork, info.height, { payTo: to });
      expect(await plain.rpc("submitblock", bytesToHex(encodeBlock(b)))).toBeNull();
    }
    for (const width of [1024, 1280, 1366, 1920]) {
      const page = await open(plain, "#/", { width, height: 900 });
      await eventually(() => page.locator("[data-testid=block-card][data-active=false]").count()).toBeGreaterThanOrEqual(3);
      const aside = await page.locator("aside").boundingBox();
      const main = await page.locator("main").boundingBox();
      expect(aside && main).toBeTruthy();
      const boxes = await page.locator("[data-testid=block-card]").evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        }),
      );
      expect(boxes.length).toBeGreaterThan(4);
      for (const b of boxes) {
        // inside the main column, and clear of the Live column wherever that is
        expect(b.right).toBeLessThanOrEqual(main!.x + main!.width + 0.5);
        const overlaps = b.left < aside!.x + aside!.width && b.right > aside!.x && b.top < aside!.y + aside!.height && b.bottom > aside!.y;
        expect(overlaps, `a card overlaps the Live column at ${width} px`).toBe(false);
      }
      if (width === 1280) await screenshot(page, "chain-1280");
      await page.close();
    }
  });

  it("threw nothing on any page", () => {
    expect(pageErrors).toEqual([]);
  });
});
