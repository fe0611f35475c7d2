import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { address, GENESIS_VALUE, genesisCoin, NodeProcess, pay, until } from "@utxolab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let a: NodeProcess;
let b: NodeProcess;
const extra: NodeProcess[] = [];

const tip = async (n: NodeProcess) => (await n.rpc("getbestblockhash")) as string;
const balances = async (n: NodeProcess, accounts: number[]) =>
  Promise.all(accounts.map(async (i) => (await n.rpc("getaddressinfo", address(i))).balance as string));

beforeAll(async () => {
  a = await NodeProcess.start();
  b = await NodeProcess.start({ args: ["--peer", a.p2pUrl] });
  await until("b to connect", async () => (await a.rpc<unknown[]>("getpeerinfo")).length === 1);
});

afterAll(async () => {
  await Promise.all([a, b, ...extra].map((n) => n?.stop()));
});

describe("snapshot and revert on a node with a peer", () => {
  it("snapshot, spend, mine, revert: the spend is gone, balances and mock time are back; the peer follows by a reorganization", async () => {
    await a.rpc("generatetoaddress", 2, address(9));
    await until("b on a's tip", async () => (await tip(b)) === (await tip(a)));
    const t1 = Math.floor(Date.now() / 1000) + 600;
    await a.rpc("setmocktime", t1);
    const waiting = pay(
      [genesisCoin(3)],
      [
        [4, 7_000_000n],
        [3, GENESIS_VALUE - 7_000_000n - 1000n],
      ],
    );
    await a.rpc("sendrawtransaction", waiting.hex);

    const id: string = await a.rpc("snapshot");
    const snapTip = await tip(a);
    const snapHeight: number = await a.rpc("getblockcount");
    const before = await balances(a, [0, 5]);
    const utxoBefore = (await a.rpc("gettxoutsetinfo")).hash_serialized;

    const spend = pay(
      [genesisCoin(0)],
      [
        [5, 3_000_000_000n],
        [0, GENESIS_VALUE - 3_000_000_000n - 1000n],
      ],
    );
    await a.rpc("sendrawtransaction", spend.hex);
    await a.rpc("setmocktime", t1 + 100);
    await a.rpc("generatetoaddress", 1, address(9));
    await until("b to get the spend's block", async () => (await tip(b)) === (await tip(a)));
    expect(await balances(a, [0, 5])).not.toEqual(before);
    expect((await b.rpc("getrawtransaction", spend.txid, true)).confirmations).toBe(1);

    expect(await a.rpc("revert", id)).toBe(true);
    expect(await tip(a)).toBe(snapTip);
    expect(await a.rpc("getblockcount")).toBe(snapHeight);
    expect(await balances(a, [0, 5])).toEqual(before);
    expect((await a.rpc("gettxoutsetinfo")).hash_serialized).toBe(utxoBefore);
    expect(await a.rpc("getrawmempool")).toEqual([waiting.txid]);
    expect((await a.rpcError("getrawtransaction", spend.txid)).code).toBe(-5);
    expect((await a.rpc("getblocktemplate")).time).toBe(t1);
    expect((await a.rpc("verifyledger")).ok).toBe(true);
    // a snapshot is used up by its revert
    expect((await a.rpcError("revert", id)).code).toBe(-8);
    // b mines on the branch a abandoned: a refuses the block without blaming b
    await b.rpc("generatetoaddress", 1, address(7));
    await a.waitFor(/block rejected from peer: .* manually-invalidated/);
    expect(await tip(a)).toBe(snapTip);
    const peers = await a.rpc<{ banScore: number }[]>("getpeerinfo");
    expect(peers).toHaveLength(1);
    expect(peers[0].banScore).toBe(0);

    // The peer still holds the longer branch until a's new one outweighs it, then reorganizes onto it.
    await a.rpc("generatetoaddress", 3, address(8));
    await until("b to reorganize onto a's branch", async () => (await tip(b)) === (await tip(a)));
    const [ua, ub] = await Promise.all([a.rpc("gettxoutsetinfo"), b.rpc("gettxoutsetinfo")]);
    expect(ub.hash_serialized).toBe(ua.hash_serialized);
    expect(ub.height).toBe(snapHeight + 3);
    expect(b.output.join("\n")).toMatch(/reorganization: .* depth 2/);
    await a.rpc("setmocktime", 0);
  });

  it("dumpchain writes a fixture that `utxolab node --load-chain` starts from, with the same UTXO set", async () => {
    const r = await a.rpc("dumpchain", "fixture.chain");
    const file = join(a.datadir, "fixture.chain");
    expect(existsSync(file)).toBe(true);
    expect(r).toMatchObject({ file, height: await a.rpc("getblockcount"), bytes: statSync(file).size });
    const t0 = Date.now();
    const c = await NodeProcess.start({ args: ["--load-chain", file] });
    extra.push(c);
    const startMs = Date.now() - t0;
    expect(await tip(c)).toBe(await tip(a));
    expect((await c.rpc("gettxoutsetinfo")).hash_serialized).toBe((await a.rpc("gettxoutsetinfo")).hash_serialized);
    // the process start (Node.js, modules) dominates; the blocks themselves load in milliseconds
    expect(startMs).toBeLessThan(10_000);
    // a copy cut short (the last block line lost) is refused by the height in its header, not loaded as a shorter chain
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const cut = join(a.datadir, "cut.chain");
    writeFileSync(cut, `${lines.slice(0, -1).join("\n")}\n`);
    const short = await NodeProcess.start({ args: ["--load-chain", cut] }).catch((e: Error) => e);
    expect(String(short)).toMatch(
      new RegExp(`cut\\.chain: the file ends after ${lines.length - 2} of the ${lines.length - 1} blocks its header line says`),
    );
    rmSync(cut);
    rmSync(file);
    const bad = await NodeProcess.start({ args: ["--load-chain", join(a.datadir, "nope.chain")] }).catch((e: Error) => e);
    expect(String(bad)).toMatch(/--load-chain .*nope\.chain: cannot read it \(ENOENT\)/);
  });

  it("dumpchain never writes over a file that exists: the node's own files, a device, an earlier fixture", async () => {
    const before = readFileSync(join(a.datadir, "node.json"), "utf8");
    for (const target of ["node.json", join(a.datadir, "node.json"), "/dev/null"]) {
      const e = await a.rpcError("dumpchain", target);
      expect(e.code).toBe(-8);
      expect(e.message).toMatch(/already exists; nothing was written over it/);
    }
    expect(readFileSync(join(a.datadir, "node.json"), "utf8")).toBe(before);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
    await a.rpc("dumpchain", "once.chain");
    expect((await a.rpcError("dumpchain", "once.chain")).message).toMatch(/already exists/);
    // no temporary file is left behind, and the node still answers
    expect(readdirSync(a.datadir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect((await a.rpc("verifyledger")).ok).toBe(true);
    rmSync(join(a.datadir, "once.chain"));
  });
});
