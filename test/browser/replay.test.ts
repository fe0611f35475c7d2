import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeProcess } from "@utxolab/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Simulation } from "../../packages/sim/src/index.js";
import { ensurePageBuilt, launch, screenshot } from "./browser.js";

/** The replay view: a trace from the simulator, read in the browser, drawn as an animated network. */
let node: NodeProcess;
let browser: Browser;
let dir: string;
let traceFile: string;
const NODES = 14;
const pageErrors: string[] = [];

const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });

async function open(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  // the page's CSP refuses inline styles: a refusal shows only as a console error (the view was unstyled)
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  await page.goto(`${node.rpcUrl}/#/replay`);
  await page.locator("main[data-ready=true]").waitFor();
  return page;
}

beforeAll(async () => {
  ensurePageBuilt();
  dir = mkdtempSync(join(tmpdir(), "utxolab-replay-"));
  traceFile = join(dir, "small.jsonl");
  // 15 s blocks among 14 nodes: a few blocks, likely a race or two
  const sim = new Simulation({ seed: 5, nodes: NODES, blocks: 6, blockIntervalMs: 15_000, txPerBlock: 0, minerCount: NODES, traceFile });
  await sim.setup();
  await sim.run();
  [node, browser] = await Promise.all([NodeProcess.start(), launch()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("replaying a simulation trace in the page", () => {
  it("draws every node and the wave of a block spreading, and plays", async () => {
    const lines = readFileSync(traceFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const firstBlock = lines.find((l) => l.e === "block");
    expect(firstBlock).toBeDefined();
    const page = await open();
    await page.getByTestId("replay-file").setInputFiles(traceFile);
    await eventually(() => page.getByTestId("replay-node").count()).toBe(NODES);
    expect(await page.getByTestId("replay-said").textContent()).toContain(`${NODES} nodes`);
    // before the first block every dot is grey
    const fills = () => page.getByTestId("replay-node").evaluateAll((els) => els.map((e) => e.getAttribute("fill")));
    expect(new Set(await fills())).toEqual(new Set(["#c5cad3"]));
    // 300 ms after the first block: its miner and some neighbours have it, ringed as the wave
    await page.getByTestId("replay-time").fill(String(firstBlock.t + 300));
    await eventually(async () => Number(await page.getByTestId("replay-status").getAttribute("data-wave"))).toBeGreaterThan(0);
    expect((await fills()).filter((f) => f !== "#c5cad3").length).toBeGreaterThan(0);
    expect(await page.getByTestId("replay-status").textContent()).toContain(`latest block #1 (node ${firstBlock.n})`);
    expect(await page.getByTestId("replay-log").textContent()).toContain(`block #1 found by node ${firstBlock.n}`);
    expect(await page.getByTestId("replay-block").count()).toBeGreaterThanOrEqual(6);
    // a few seconds later the wave has passed: every node has the block
    await page.getByTestId("replay-time").fill(String(firstBlock.t + 5_000));
    await eventually(() => page.getByTestId("replay-status").textContent()).toContain(`reached ${NODES} of ${NODES} nodes`);
    await screenshot(page, "replay", { fullPage: true });
    // play from the start: time moves on by itself
    await page.getByTestId("replay-time").fill("0");
    await page.getByTestId("replay-play").click();
    await eventually(async () => Number(await page.getByTestId("replay-time").inputValue())).toBeGreaterThan(firstBlock.t);
    await page.getByTestId("replay-play").click();
    expect(await page.getByTestId("replay-play").textContent()).toBe("Play");
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("refuses a file that is not a trace, saying what is wrong", async () => {
    const page = await open();
    const input = page.getByTestId("replay-file");
    const refused = page.getByTestId("replay-refused");
    await input.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello\nworld\n") });
    await eventually(() => refused.textContent()).toContain("notes.txt is not a trace this page can replay: line 1 is not a JSON object");
    expect(await page.getByTestId("replay-node").count()).toBe(0);
    await input.setInputFiles({ name: "other.jsonl", mimeType: "text/plain", buffer: Buffer.from('{"e":"block","t":1}\n') });
    await eventually(() => refused.textContent()).toContain('the first line must be the {"e":"nodes",…} line');
    // bounded: more nodes than the view draws, and a line longer than any trace line
    const many = { e: "nodes", regions: ["a"], nodes: Array.from({ length: 10_001 }, (_, id) => ({ id, r: 0 })) };
    await input.setInputFiles({ name: "huge.jsonl", mimeType: "text/plain", buffer: Buffer.from(`${JSON.stringify(many)}\n`) });
    await eventually(() => refused.textContent()).toContain("it has 10001 nodes; this view shows 1 to 10000");
    await input.setInputFiles({ name: "long.jsonl", mimeType: "text/plain", buffer: Buffer.from(`"${"x".repeat(300_000)}"\n`) });
    await eventually(() => refused.textContent()).toContain("line 1 is 300002 characters long");
    // a received block no line found before
    const text = readFileSync(traceFile, "utf8").split("\n");
    const broken = [text[0], '{"t":5,"e":"recv","n":1,"b":"ffffffffffffffff"}'].join("\n");
    await input.setInputFiles({ name: "cut.jsonl", mimeType: "text/plain", buffer: Buffer.from(broken) });
    await eventually(() => refused.textContent()).toContain("line 2: node 1 received block ffffffffffffffff, which no line before found");
    // nonsense that used to be drawn: no regions (dots at NaN), lines out of time order, a block without an id
    const noRegions = '{"e":"nodes","regions":[],"nodes":[{"id":0,"r":0}]}\n';
    await input.setInputFiles({ name: "noregions.jsonl", mimeType: "text/plain", buffer: Buffer.from(noRegions) });
    await eventually(() => refused.textContent()).toContain("line 1: regions must be a list of 1 or more region names");
    const later = [text[0], '{"t":9,"e":"block","b":"aa","p":"00","n":0,"h":1}', '{"t":3,"e":"block","b":"bb","p":"aa","n":0,"h":2}'];
    await input.setInputFiles({ name: "order.jsonl", mimeType: "text/plain", buffer: Buffer.from(later.join("\n")) });
    await eventually(() => refused.textContent()).toContain("line 3: time 3 ms comes after 9 ms; a trace's lines are in time order");
    const noId = [text[0], '{"t":1,"e":"block","p":"00","n":0,"h":1}'];
    await input.setInputFiles({ name: "noid.jsonl", mimeType: "text/plain", buffer: Buffer.from(noId.join("\n")) });
    await eventually(() => refused.textContent()).toContain('line 2: a block line needs its id "b" and its parent "p" as strings');
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
