import { accounts, address, coin, GENESIS_VALUE, genesisCoin, NodeProcess, pay } from "@utxolab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Amount,
  type Block,
  blockHash,
  buildBlock,
  bytesToHex,
  checkProofOfWork,
  DEVNET,
  encodeBlock,
  encodeTx,
  genesisHash,
  type Hash,
  headerHashNoMemo,
  makeCoinbase,
  merkleRoot,
  solveHeader,
  subsidyAt,
  type Transaction,
  txid,
  ZERO_HASH,
} from "../../core/src/index.js";

let node: NodeProcess;

const blockHex = (b: Block) => bytesToHex(encodeBlock(b));
const txHex = (t: Transaction) => bytesToHex(encodeTx(t));

/** A block on top of `prev` built in the test, as another miner would. */
async function makeBlock(
  opts: { prev?: Hash; height?: number; txs?: Transaction[]; claim?: bigint; time?: number; to?: number } = {},
): Promise<Block> {
  const info = await node.rpc("getblockchaininfo");
  const prev = opts.prev ?? info.bestBlockHash;
  const height = opts.height ?? info.height + 1;
  const tpl = await node.rpc("getblocktemplate");
  return buildBlock(
    {
      prevHash: prev,
      height,
      time: opts.time ?? tpl.time + 1,
      coinbaseOutputs: [{ value: (opts.claim ?? subsidyAt(height, DEVNET)) as Amount, pubkey: accounts[opts.to ?? 8].pubkey }],
      txs: opts.txs ?? [],
    },
    DEVNET,
  );
}

beforeAll(async () => {
  node = await NodeProcess.start({ args: ["--maxmempool", "300000"] });
});

afterAll(async () => {
  await node?.stop();
});

describe("auth and transport", () => {
  it("refuses a missing or wrong token with HTTP 401 and runs nothing", async () => {
    const wrong = await node.rpcRaw("stop", [], "wrong-token");
    expect(wrong.status).toBe(401);
    const res = await fetch(`${node.rpcUrl}/rpc`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "stop" }) });
    expect(res.status).toBe(401);
    const info = await node.rpc("getblockchaininfo");
    expect(info.height).toBe(0);
  });

  it("refuses a request body over the limit with HTTP 413 and keeps serving", async () => {
    const res = await fetch(`${node.rpcUrl}/rpc`, {
      method: "POST",
      headers: { authorization: `Bearer ${node.token}`, "content-type": "application/json" },
      body: "x".repeat(2_200_000),
    });
    expect(res.status).toBe(413);
    expect((await node.rpc("getblockchaininfo")).network).toBe("devnet");
  });

  it("answers JSON-RPC protocol errors with their codes", async () => {
    const parse = await fetch(`${node.rpcUrl}/rpc`, {
      method: "POST",
      headers: { authorization: `Bearer ${node.token}` },
      body: "{not json",
    }).then((r) => r.json());
    expect(parse.error.code).toBe(-32700);
    expect((await node.rpcError("nosuchmethod")).code).toBe(-32601);
    const invalid = await fetch(`${node.rpcUrl}/rpc`, {
      method: "POST",
      headers: { authorization: `Bearer ${node.token}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: 5 }),
    }).then((r) => r.json());
    expect(invalid.error.code).toBe(-32600);
    expect((await node.rpcError("getblockhash", "zero")).code).toBe(-32602);
    expect((await node.rpcError("getblockhash")).code).toBe(-32602);
    expect((await node.rpcError("getblockhash", -1)).code).toBe(-8);
    expect((await node.rpcError("getblockhash", 1)).code).toBe(-8);
    expect((await node.rpcError("getblock", "abc")).code).toBe(-8);
    expect((await node.rpcError("generatetoaddress", 1, "lab1notanaddress")).code).toBe(-8);
    expect((await node.rpcError("generatetoaddress", 0, address(0))).code).toBe(-8);
    expect((await node.rpcError("getblockchaininfo", 1)).code).toBe(-32602);
  });
});

describe("chain methods", () => {
  it("starts at the devnet genesis", async () => {
    const info = await node.rpc("getblockchaininfo");
    expect(info).toMatchObject({
      network: "devnet",
      genesisHash: genesisHash(DEVNET),
      height: 0,
      bestBlockHash: genesisHash(DEVNET),
      mempoolSize: 0,
    });
    expect(typeof info.chainWork).toBe("string");
    expect(await node.rpc("getblockhash", 0)).toBe(genesisHash(DEVNET));
  });

  it("mines with generatetoaddress and shows blocks", async () => {
    const hashes = await node.rpc<string[]>("generatetoaddress", 12, address(9));
    expect(hashes).toHaveLength(12);
    const info = await node.rpc("getblockchaininfo");
    expect(info.height).toBe(12);
    expect(info.bestBlockHash).toBe(hashes[11]);
    const v = await node.rpc("getblock", hashes[0], true);
    expect(v).toMatchObject({ hash: hashes[0], height: 1, confirmations: 12, prevHash: genesisHash(DEVNET) });
    expect(v.txids).toHaveLength(1);
    const hex = await node.rpc<string>("getblock", hashes[0]);
    expect(hex.length).toBe(v.size * 2);
    expect((await node.rpcError("getblock", "00".repeat(32))).code).toBe(-5);
    const cb = await node.rpc("getrawtransaction", v.txids[0], true);
    expect(cb.coinbase).toBe(true);
    expect(cb.outputs[0]).toMatchObject({ value: "5000000000", address: address(9) });
  });

  it("reports address balances with immature coinbase outputs", async () => {
    const miner = await node.rpc("getaddressinfo", address(9));
    expect(miner.balance).toBe((12n * 5_000_000_000n + GENESIS_VALUE).toString());
    // coinbases of heights 1..3 are mature at spend height 13; 4..12 are not
    expect(miner.immature).toBe((9n * 5_000_000_000n).toString());
    expect(miner.utxos).toHaveLength(13);
    const a0 = await node.rpc("getaddressinfo", address(0));
    expect(a0).toMatchObject({ address: address(0), balance: "100000000000", spendable: "100000000000", immature: "0", pending: "0" });
    expect((await node.rpcError("getaddressinfo", "lab1qqqq")).code).toBe(-8);
  });

  it("reports its memory", async () => {
    const m = await node.rpc("getmemoryinfo");
    expect(m.utxos).toBe(22);
    expect(m.rssMB).toBeGreaterThan(10);
    expect(m.heapUsedMB).toBeLessThanOrEqual(m.heapTotalMB);
  });

  it("verifies the ledger", async () => {
    const v = await node.rpc("verifyledger");
    expect(v).toMatchObject({ height: 12, utxos: 22, negative: 0, ok: true });
    expect(BigInt(v.supply)).toBe(10n * GENESIS_VALUE + 12n * 5_000_000_000n);
    expect(BigInt(v.supply) <= BigInt(v.expectedMaxSupply)).toBe(true);
  });
});

describe("transactions through the pool", () => {
  let paymentId: Hash;
  let paymentHex: string;

  it("accepts a payment and shows it everywhere", async () => {
    const p = pay(
      [genesisCoin(1)],
      [
        [2, 10_000_000_000n],
        [1, GENESIS_VALUE - 10_000_000_000n - 1000n],
      ],
    );
    const tested = await node.rpc("testmempoolaccept", [p.hex]);
    expect(tested).toEqual([{ txid: p.txid, allowed: true, fee: "1000", size: expect.any(Number) }]);
    expect(await node.rpc("getrawmempool")).toEqual([]);
    expect(await node.rpc("sendrawtransaction", p.hex)).toBe(p.txid);
    paymentId = p.txid;
    paymentHex = p.hex;
    expect(await node.rpc("getrawmempool")).toEqual([p.txid]);
    const entry = await node.rpc("getmempoolentry", p.txid);
    expect(entry).toMatchObject({ fee: "1000", ancestors: 1, descendants: 1 });
    expect(entry.size).toBe(p.hex.length / 2);
    expect(await node.rpc("getrawtransaction", p.txid)).toBe(p.hex);
    const v = await node.rpc("getrawtransaction", p.txid, true);
    expect(v).toMatchObject({ txid: p.txid, fee: "1000", confirmations: 0 });
    expect(v.inputs[0]).toMatchObject({ value: GENESIS_VALUE.toString(), address: address(1) });
    const d = await node.rpc("decoderawtransaction", p.hex);
    expect(d.outputs.map((o: { value: string }) => o.value)).toEqual(["10000000000", "89999999000"]);
    expect(await node.rpc("gettxout", genesisCoin(1).txid, 1)).toBeNull();
    expect(await node.rpc("gettxout", p.txid, 0)).toMatchObject({ value: "10000000000", confirmations: 0 });
    const a2 = await node.rpc("getaddressinfo", address(2));
    expect(a2.pending).toBe("10000000000");
    const a1 = await node.rpc("getaddressinfo", address(1));
    expect(a1.spendable).toBe("0");
    const tpl = await node.rpc("getblocktemplate", address(0));
    expect(tpl).toMatchObject({ height: 13, fees: "1000", coinbaseValue: (5_000_000_000n + 1000n).toString() });
    expect(tpl.txs.map((t: { txid: string }) => t.txid)).toEqual([p.txid]);
  });

  it("confirms it in the next block", async () => {
    const [h] = await node.rpc<string[]>("generatetoaddress", 1, address(9));
    const b = await node.rpc("getblock", h, true);
    expect(b.txids).toContain(paymentId);
    expect(await node.rpc("getrawmempool")).toEqual([]);
    expect(await node.rpc("gettxout", paymentId, 0)).toMatchObject({ value: "10000000000", confirmations: 1, coinbase: false });
    expect((await node.rpc("getrawtransaction", paymentId, true)).confirmations).toBe(1);
  });

  it("refuses every reachable rule break with its reason and code", async () => {
    const c3 = genesisCoin(3);
    const expectReject = async (hex: string, reason: string, code = -26) => {
      const e = await node.rpcError("sendrawtransaction", hex);
      expect({ code: e.code, message: e.message }).toEqual({ code, message: reason });
      const t = await node.rpc("testmempoolaccept", [hex]);
      expect(t[0]).toMatchObject({ allowed: false, reason });
    };
    expect(await node.rpcError("sendrawtransaction", "00")).toMatchObject({ code: -22, message: "tx-decode-failed" });
    const base = pay([c3], [[4, 1_000_000n]]).tx;
    await expectReject(txHex({ ...base, inputs: [] }), "bad-txns-vin-empty");
    await expectReject(txHex({ ...base, outputs: [] }), "bad-txns-vout-empty");
    await expectReject(pay([c3], [[4, 2_100_000_000_000_001n]]).hex, "bad-txns-vout-toolarge");
    await expectReject(
      pay(
        [c3],
        [
          [4, 2_000_000_000_000_000n],
          [5, 200_000_000_000_000n],
        ],
      ).hex,
      "bad-txns-txouttotal-toolarge",
    );
    await expectReject(pay([c3, c3], [[4, 1_000_000n]]).hex, "bad-txns-inputs-duplicate");
    await expectReject(
      txHex({ ...base, inputs: [base.inputs[0], { prevTxid: ZERO_HASH, vout: 0xffffffff, witness: new Uint8Array(64) }] }),
      "bad-txns-prevout-null",
    );
    await expectReject(txHex({ ...base, inputs: [{ ...base.inputs[0], witness: new Uint8Array(63) }] }), "bad-txns-witness-size");
    await expectReject(pay([{ ...c3, txid: "ab".repeat(32) as Hash }], [[4, 1_000_000n]]).hex, "bad-txns-inputs-missingorspent", -25);
    await expectReject(pay([c3], [[4, GENESIS_VALUE + 1n]]).hex, "bad-txns-in-belowout");
    await expectReject(pay([c3], [[4, 1_000_000n]], { locktime: 15 }).hex, "bad-txns-nonfinal");
    const forged = pay([c3], [[4, 1_000_000n]]).tx;
    await expectReject(
      txHex({ ...forged, inputs: [{ ...forged.inputs[0], witness: pay([genesisCoin(4)], [[4, 1_000_000n]]).tx.inputs[0].witness }] }),
      "bad-txns-sig",
    );
    // premature: the coinbase of height 5 pays account 9 and is spendable from height 15; the pool checks height 14
    const cb5 = (await node.rpc("getblock", await node.rpc("getblockhash", 5), true)).txids[0];
    await expectReject(pay([coin(cb5, 0, 5_000_000_000n, 9)], [[4, 4_000_000_000n]]).hex, "bad-txns-premature-spend-of-coinbase");
    // policy
    await expectReject(pay([c3], [[4, GENESIS_VALUE]]).hex, "min-relay-fee-not-met");
    await expectReject(
      pay(
        [c3],
        [
          [4, 545n],
          [3, GENESIS_VALUE - 545n - 1000n],
        ],
      ).hex,
      "dust",
    );
    await expectReject(pay([c3], [[4, 1_000_000n]], { version: 2 }).hex, "version");
    await expectReject(txHex(makeCoinbase(14, [{ value: 1n as Amount, pubkey: accounts[0].pubkey }])), "coinbase");
    const big = pay([c3], [[4, 1_000_000n], ...Array.from({ length: 2600 }, () => [5, 1000n] as [number, bigint])]);
    await expectReject(big.hex, "tx-size");
    const ok = pay([c3], [[4, 1_000_000n]]);
    expect(await node.rpc("sendrawtransaction", ok.hex)).toBe(ok.txid);
    await expectReject(ok.hex, "txn-already-in-mempool");
    await expectReject(pay([c3], [[5, 2_000_000n]]).hex, "txn-mempool-conflict");
    await expectReject(paymentHex, "txn-already-known", -27);
    // the same payment signed again is another transaction: its input is spent
    await expectReject(
      pay(
        [genesisCoin(1)],
        [
          [2, 10_000_000_000n],
          [1, GENESIS_VALUE - 10_000_000_000n - 1000n],
        ],
        { aux: new Uint8Array(32).fill(1) },
      ).hex,
      "bad-txns-inputs-missingorspent",
      -25,
    );
  });

  it("accepts chains of unconfirmed transactions up to the limit", async () => {
    let held = coin((await node.rpc("getrawmempool"))[0] as Hash, 0, 1_000_000n, 4);
    // that parent is 1 ancestor; 24 more make 25
    for (let i = 0; i < 24; i++) {
      const p = pay([held], [[4, held.coin.value - 200n]]);
      expect(await node.rpc("sendrawtransaction", p.hex)).toBe(p.txid);
      held = coin(p.txid, 0, held.coin.value - 200n, 4);
    }
    const e = await node.rpcError("sendrawtransaction", pay([held], [[4, held.coin.value - 200n]]).hex);
    expect(e.message).toBe("too-long-mempool-chain");
    expect((await node.rpc("getrawmempool")).length).toBe(25);
    await node.rpc("generatetoaddress", 1, address(9));
    expect(await node.rpc("getrawmempool")).toEqual([]);
  });

  it("evicts the lowest fee rate when the pool is full (mempool-full)", async () => {
    // --maxmempool 300000 bytes; each transaction here is ~92 KB with 2,300 outputs
    const big = (from: number, rate: bigint) => {
      const outs: [number, bigint][] = Array.from({ length: 2300 }, () => [from, 1000n] as [number, bigint]);
      const size = BigInt(pay([genesisCoin(from)], [...outs, [from, 1n]]).hex.length / 2);
      return pay([genesisCoin(from)], [...outs, [from, GENESIS_VALUE - 2_300_000n - size * rate]]);
    };
    const fills = [big(5, 3n), big(6, 3n), big(7, 3n)];
    for (const f of fills) expect(await node.rpc("sendrawtransaction", f.hex)).toBe(f.txid);
    const cheap = await node.rpcError("sendrawtransaction", big(0, 1n).hex);
    expect(cheap.message).toBe("mempool-full");
    const rich = big(9, 5n);
    expect(await node.rpc("sendrawtransaction", rich.hex)).toBe(rich.txid);
    const pool = await node.rpc<string[]>("getrawmempool");
    expect(pool).toContain(rich.txid);
    expect(pool.length).toBe(3);
    const size = (await Promise.all(pool.map((id) => node.rpc("getmempoolentry", id)))).reduce((s, e) => s + e.size, 0);
    expect(size).toBeLessThanOrEqual(300000);
    expect(node.output.some((l) => l.includes("tx removed from pool") && l.includes("evicted"))).toBe(true);
    await node.rpc("generatetoaddress", 1, address(9));
    expect(await node.rpc("getrawmempool")).toEqual([]);
  });
});

describe("blocks through submitblock", () => {
  it("refuses each block rule with its reason", async () => {
    const info = await node.rpc("getblockchaininfo");
    const tip = info.bestBlockHash as Hash;
    const h = info.height + 1;
    expect(await node.rpcError("submitblock", "00")).toMatchObject({ code: -22, message: "block-decode-failed" });
    const good = await makeBlock();
    const mutate = (b: Block, f: (b: Block) => Block) => blockHex(f(structuredClone(b)));
    // high-hash: a nonce that misses the target
    let bad = good;
    while (checkProofOfWork(headerHashNoMemo(bad.header), bad.header.bits, DEVNET.powLimit))
      bad = { ...bad, header: { ...bad.header, nonce: bad.header.nonce + 1 } };
    expect(await node.rpc("submitblock", blockHex(bad))).toBe("high-hash");
    expect(await node.rpc("submitblock", blockHex(await makeBlock({ prev: "cd".repeat(32) as Hash })))).toBe("prev-blk-not-found");
    const resolve = (b: Block) => ({ ...b, header: solveHeader({ ...b.header, merkleRoot: merkleRoot(b.txs.map(txid)) }, DEVNET) });
    expect(await node.rpc("submitblock", blockHex(resolve({ ...good, header: { ...good.header, bits: 0x2000ffff } })))).toBe(
      "bad-diffbits",
    );
    const old = await makeBlock({ time: DEVNET.genesis.time });
    expect(await node.rpc("submitblock", blockHex(old))).toBe("time-too-old");
    expect(await node.rpc("submitblock", blockHex(await makeBlock({ time: Math.floor(Date.now() / 1000) + 7300 })))).toBe("time-too-new");
    expect(await node.rpc("submitblock", blockHex(resolve({ ...good, txs: [] })))).toBe("bad-blk-length");
    expect(
      await node.rpc(
        "submitblock",
        mutate(good, (b) => ({ ...b, txs: [b.txs[0], b.txs[0]] })),
      ),
    ).toBe("bad-txnmrklroot");
    const pay1 = pay([genesisCoin(3)], [[4, 5_000_000n]]).tx;
    expect(await node.rpc("submitblock", blockHex(resolve({ ...good, txs: [good.txs[0], pay1, pay1] })))).toBe("bad-txns-duplicate");
    expect(await node.rpc("submitblock", blockHex(resolve({ ...good, txs: [pay1] })))).toBe("bad-cb-missing");
    const cb2 = makeCoinbase(h, [{ value: 1n as Amount, pubkey: accounts[0].pubkey }], new Uint8Array([7]));
    expect(await node.rpc("submitblock", blockHex(resolve({ ...good, txs: [good.txs[0], cb2] })))).toBe("bad-cb-multiple");
    const cbBig = makeCoinbase(h, [{ value: 2_100_000_000_000_001n as Amount, pubkey: accounts[0].pubkey }]);
    expect(await node.rpc("submitblock", blockHex(resolve({ ...good, txs: [cbBig] })))).toBe("bad-txns-vout-toolarge");
    const wrongHeight = makeCoinbase(h + 1, [{ value: 1n as Amount, pubkey: accounts[0].pubkey }]);
    expect(await node.rpc("submitblock", blockHex(resolve({ ...good, txs: [wrongHeight] })))).toBe("bad-cb-height");
    const overspend = pay([genesisCoin(2)], [[4, GENESIS_VALUE + 1n]]).tx;
    const invalid = await makeBlock({ txs: [overspend] });
    expect(await node.rpc("submitblock", blockHex(invalid))).toBe("bad-txns-in-belowout");
    expect(await node.rpc("submitblock", blockHex(invalid))).toBe("bad-txns-in-belowout");
    const child = await makeBlock({ prev: blockHash(invalid.header), height: h + 1 });
    expect(await node.rpc("submitblock", blockHex(child))).toBe("bad-prevblk");
    expect(await node.rpc("submitblock", blockHex(await makeBlock({ claim: subsidyAt(h, DEVNET) + 1n })))).toBe("bad-cb-amount");
    expect(await node.rpc("submitblock", blockHex(good))).toBeNull();
    expect(await node.rpc("submitblock", blockHex(good))).toBe("duplicate");
    expect((await node.rpc("getblockchaininfo")).bestBlockHash).not.toBe(tip);
    expect(node.output.some((l) => l.includes("block rejected from rpc") && l.includes("bad-txns-in-belowout: "))).toBe(true);
  });

  it("reorganizes to a heavier branch that double-spends a confirmed payment", async () => {
    const start = await node.rpc("getblockchaininfo");
    const before7 = (await node.rpc("getaddressinfo", address(7))).balance;
    const victim = pay(
      [genesisCoin(8)],
      [
        [7, 50_000_000_000n],
        [8, GENESIS_VALUE - 50_000_000_000n - 2000n],
      ],
    );
    await node.rpc("sendrawtransaction", victim.hex);
    const [confirmedIn] = await node.rpc<string[]>("generatetoaddress", 1, address(9));
    expect((await node.rpc("gettxout", victim.txid, 0)).confirmations).toBe(1);
    // the attacker's branch forks below the payment and spends the same coin back to account 8
    const theft = pay([genesisCoin(8)], [[8, GENESIS_VALUE - 5000n]]);
    const b1 = await makeBlock({ prev: start.bestBlockHash, height: start.height + 1, txs: [theft.tx] });
    expect(await node.rpc("submitblock", blockHex(b1))).toBeNull();
    expect((await node.rpc("getblockchaininfo")).bestBlockHash).toBe(confirmedIn); // equal work: first seen stays
    const b2 = await makeBlock({ prev: blockHash(b1.header), height: start.height + 2 });
    expect(await node.rpc("submitblock", blockHex(b2))).toBeNull();
    const after = await node.rpc("getblockchaininfo");
    expect(after.bestBlockHash).toBe(blockHash(b2.header));
    expect(after.height).toBe(start.height + 2);
    expect(await node.rpc("gettxout", victim.txid, 0)).toBeNull();
    expect((await node.rpcError("getrawtransaction", victim.txid)).code).toBe(-5);
    expect(await node.rpc("getrawmempool")).not.toContain(victim.txid);
    expect((await node.rpc("getaddressinfo", address(7))).balance).toBe(before7);
    expect((await node.rpc("getblock", confirmedIn, true)).confirmations).toBe(-1);
    await node.waitFor(/reorganization: .* depth 1/);
    expect((await node.rpc("verifyledger")).ok).toBe(true);
  });
});

describe("a failed switch of branch", () => {
  it("returns to the tip it had and reports no reorganization", async () => {
    const start = await node.rpc("getblockchaininfo");
    const [tipX] = await node.rpc<string[]>("generatetoaddress", 1, address(9));
    // an equal-work side block, then a heavier child that breaks a rule only found when connecting
    const y1 = await makeBlock({ prev: start.bestBlockHash, height: start.height + 1 });
    expect(await node.rpc("submitblock", blockHex(y1))).toBeNull();
    const ghost = pay([coin("ef".repeat(32) as Hash, 0, 1_000_000n, 1)], [[2, 900_000n]]).tx;
    const y2 = await makeBlock({ prev: blockHash(y1.header), height: start.height + 2, txs: [ghost] });
    const before = node.output.length;
    expect(await node.rpc("submitblock", blockHex(y2))).toBe("bad-txns-inputs-missingorspent");
    const info = await node.rpc("getblockchaininfo");
    expect(info.bestBlockHash).toBe(tipX);
    expect((await node.rpc("verifyledger")).ok).toBe(true);
    const lines = node.output.slice(before).join("\n");
    expect(lines).toContain("block rejected from rpc");
    expect(lines).not.toContain("reorganization");
  });
});

describe("SPEC v1.1: a block on a lighter branch", () => {
  it("is stored and answered null even when it would fail a contextual rule; that rule decides once the branch would be the best", async () => {
    const start = await node.rpc("getblockchaininfo");
    const parent = await node.rpc<string>("getblockhash", start.height - 1);
    const ghost = pay([coin("ab".repeat(32) as Hash, 0, 1_000_000n, 1)], [[2, 900_000n]]).tx;
    // same height as the tip: equal work, so it is not connected and its missing input is not looked at yet
    const side = await makeBlock({ prev: parent, height: start.height, txs: [ghost] });
    expect(await node.rpc("submitblock", blockHex(side))).toBeNull();
    expect((await node.rpc("getblockchaininfo")).bestBlockHash).toBe(start.bestBlockHash);
    // a child makes the branch heavier: now the missing input is found, the parent marked invalid, the child with it
    const child = await makeBlock({ prev: blockHash(side.header), height: start.height + 1 });
    expect(await node.rpc("submitblock", blockHex(child))).toBe("bad-prevblk");
    expect(await node.rpc("submitblock", blockHex(side))).toBe("bad-txns-inputs-missingorspent");
    expect((await node.rpc("getblockchaininfo")).bestBlockHash).toBe(start.bestBlockHash);
    expect((await node.rpc("verifyledger")).ok).toBe(true);
  });
});

describe("peers and shutdown", () => {
  it("lists no peers and validates addnode", async () => {
    expect(await node.rpc("getpeerinfo")).toEqual([]);
    expect((await node.rpcError("addnode", "http://x")).code).toBe(-8);
    expect((await node.rpcError("addnode", "not a url")).code).toBe(-8);
    const noPort = await node.rpcError("addnode", "ws://127.0.0.1:0");
    expect(noPort.code).toBe(-8);
    expect(noPort.message).toContain("ws://HOST:PORT");
  });

  it("stops cleanly on the stop method", async () => {
    expect(await node.rpc("stop")).toBeNull();
    expect(await node.kill()).toBe(0);
    expect(node.output.join("\n")).toContain("stopped cleanly");
  });
});
