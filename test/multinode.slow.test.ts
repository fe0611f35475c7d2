import { accounts, address, GENESIS_VALUE, genesisCoin, NodeProcess, pay, until } from "@utxolab/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type Amount,
  blockHash,
  buildBlock,
  bytesToHex,
  DEVNET,
  encodeBlock,
  encodeHeader,
  genesisHash,
  makeCoinbase,
  merkleRoot,
  solveHeader,
  subsidyAt,
  txid,
} from "../packages/core/src/index.js";
import { maxMessageBytes } from "../packages/p2p/src/messages.js";

let n0: NodeProcess;
let n1: NodeProcess;
let n2: NodeProcess;
const nodes = () => [n0, n1, n2];
const extra: NodeProcess[] = [];

const tipOf = async (n: NodeProcess) => (await n.rpc("getblockchaininfo")).bestBlockHash as string;
const peerCount = async (n: NodeProcess) => (await n.rpc<unknown[]>("getpeerinfo")).length;

async function sameTip(list: NodeProcess[], timeoutMs = 60_000): Promise<string> {
  return until(
    "every node on the same tip",
    async () => {
      const tips = await Promise.all(list.map(tipOf));
      return tips.every((t) => t === tips[0]) ? tips[0] : false;
    },
    timeoutMs,
  );
}

beforeAll(async () => {
  n0 = await NodeProcess.start();
  n1 = await NodeProcess.start({ args: ["--peer", n0.p2pUrl] });
  n2 = await NodeProcess.start({ args: ["--peer", n1.p2pUrl] });
  await until("n1 to have two peers", async () => (await peerCount(n1)) === 2);
});

afterAll(async () => {
  await Promise.all([...nodes(), ...extra].map((n) => n?.stop()));
});

describe("a network of real node processes", () => {
  it("relays a transaction sent to one node to every node's pool", async () => {
    const p = pay(
      [genesisCoin(0)],
      [
        [1, 1_000_000_000n],
        [0, GENESIS_VALUE - 1_000_000_000n - 500n],
      ],
    );
    expect(await n2.rpc("sendrawtransaction", p.hex)).toBe(p.txid);
    for (const n of nodes())
      await until(`the tx in ${n.rpcUrl}'s pool`, async () => (await n.rpc<string[]>("getrawmempool")).includes(p.txid));
    expect(n0.output.some((l) => l.includes(`tx accepted from peer: ${p.txid}`))).toBe(true);
  });

  it("makes a block mined on one node every node's tip", async () => {
    const [hash] = await n0.rpc<string[]>("generatetoaddress", 1, address(9));
    expect(await sameTip(nodes())).toBe(hash);
    for (const n of nodes()) await until("pools emptied by the block", async () => (await n.rpc<string[]>("getrawmempool")).length === 0);
  });

  it("lets a node started late sync 500 blocks", async () => {
    for (let i = 0; i < 5; i++) await n0.rpc("generatetoaddress", 100, address(9));
    const target = await sameTip(nodes(), 90_000);
    const late = await NodeProcess.start({ args: ["--peer", n1.p2pUrl] });
    extra.push(late);
    await until("the late node to reach the tip", async () => (await tipOf(late)) === target, 90_000);
    const info = await late.rpc("getblockchaininfo");
    expect(info.height).toBe(501);
    expect(await late.rpc("verifyledger")).toMatchObject({ ok: true, negative: 0, height: 501 });
    await late.stop();
  }, 240_000);

  it("brings two groups that mined conflicting spends apart back to one heaviest chain", async () => {
    // cut n0 off from n1 and n2
    await n0.rpc("setnetworkactive", false);
    await until("n0 alone", async () => (await peerCount(n0)) === 0 && (await peerCount(n1)) === 1);
    const coin = genesisCoin(5);
    const toSix = pay([coin], [[6, GENESIS_VALUE - 1000n]]);
    const toSeven = pay([coin], [[7, GENESIS_VALUE - 1000n]]);
    const unrelated = pay(
      [genesisCoin(4)],
      [
        [3, 2_000_000_000n],
        [4, GENESIS_VALUE - 2_000_000_000n - 700n],
      ],
    );
    await n0.rpc("sendrawtransaction", toSix.hex);
    await n0.rpc("sendrawtransaction", unrelated.hex);
    const [aTip] = await n0.rpc<string[]>("generatetoaddress", 1, address(8));
    await n1.rpc("sendrawtransaction", toSeven.hex);
    await n1.rpc("generatetoaddress", 2, address(9));
    const bTip = await sameTip([n1, n2]);
    expect(await tipOf(n0)).toBe(aTip);
    expect((await n0.rpc("gettxout", toSix.txid, 0)).confirmations).toBe(1);
    // rejoin
    await n0.rpc("setnetworkactive", true);
    await n0.rpc("addnode", n1.p2pUrl);
    expect(await sameTip(nodes())).toBe(bTip);
    await n0.waitFor(/reorganization: .* depth 1/);
    const ledgers = await Promise.all(nodes().map((n) => n.rpc("verifyledger")));
    for (const l of ledgers) expect(l).toMatchObject({ ok: true, negative: 0, utxos: ledgers[0].utxos, supply: ledgers[0].supply });
    for (const n of nodes()) {
      expect(await n.rpc("gettxout", toSix.txid, 0)).toBeNull();
      expect((await n.rpc("gettxout", toSeven.txid, 0)).confirmations).toBeGreaterThanOrEqual(1);
      expect(await n.rpc("getrawmempool")).not.toContain(toSix.txid);
      expect((await n.rpc("getaddressinfo", address(6))).balance).toBe(GENESIS_VALUE.toString());
    }
    // the losing side's other payment is still valid: it goes back to the pool
    expect(await n0.rpc("getrawmempool")).toContain(unrelated.txid);
  }, 120_000);
});

describe("misbehaving peers", () => {
  // Bans fall on the connecting address (docs/protocol.md): each test peer gets its own
  // loopback address (all of 127/8 is loopback on Linux), so banning one spares the nodes on 127.0.0.1.
  let nextAddress = 0;
  const connect = (from = `127.0.30.${++nextAddress}`) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(n0.p2pUrl, { localAddress: from });
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    });
  const closed = (ws: WebSocket) =>
    new Promise<number>((r) => (ws.readyState === WebSocket.CLOSED ? r(0) : ws.once("close", (code) => r(code))));
  /** `listen` is what the test peer advertises (bans ignore it). */
  const handshake = async (ws: WebSocket, listen: string) => {
    const got = new Promise<void>((resolve) => {
      ws.on("message", (d) => {
        const m = JSON.parse(String(d));
        if (m.type === "verack") resolve();
      });
    });
    ws.send(
      JSON.stringify({
        type: "version",
        protocol: 1,
        genesis: genesisHash(DEVNET),
        height: 0,
        userAgent: "test",
        nonce: "0102030405060708",
        listen,
      }),
    );
    ws.send(JSON.stringify({ type: "verack" }));
    await got;
  };
  const stillServing = async () => {
    expect(await peerCount(n0)).toBeGreaterThanOrEqual(1);
    const info = await n0.rpc("getblockchaininfo");
    expect(info.network).toBe("devnet");
  };

  it("drops a peer that sends garbage", async () => {
    const ws = await connect();
    ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]));
    await closed(ws);
    await stillServing();
  });

  it("drops a peer that talks before the handshake", async () => {
    const ws = await connect();
    ws.send(JSON.stringify({ type: "inv", txs: ["00".repeat(32)] }));
    await closed(ws);
    await stillServing();
  });

  it("drops a peer that sends an oversized message", async () => {
    const ws = await connect();
    // one byte over the limit the WebSocket layer enforces before anything is parsed
    ws.send("x".repeat(maxMessageBytes(DEVNET) + 1));
    await closed(ws);
    await stillServing();
  });

  it("drops and bans a peer that sends an invalid block, and keeps relaying for the others", async () => {
    const ws = await connect("127.0.31.1");
    const listen = "ws://127.0.0.1:1";
    await handshake(ws, listen);
    const info = await n0.rpc("getblockchaininfo");
    const overspend = pay([genesisCoin(2)], [[3, GENESIS_VALUE + 1n]]).tx;
    const tpl = await n0.rpc("getblocktemplate");
    const bad = buildBlock(
      {
        prevHash: info.bestBlockHash,
        height: info.height + 1,
        time: tpl.time,
        coinbaseOutputs: [{ value: subsidyAt(info.height + 1, DEVNET) as Amount, pubkey: accounts[0].pubkey }],
        txs: [overspend],
      },
      DEVNET,
    );
    ws.send(JSON.stringify({ type: "block", block: bytesToHex(encodeBlock(bad)) }));
    await closed(ws);
    await n0.waitFor(/block rejected from peer: .* bad-txns-in-belowout/);
    await stillServing();
    // banned: the same address coming back is refused before its handshake completes
    const again = await connect("127.0.31.1");
    const refused = await Promise.race([closed(again).then(() => true), handshake(again, listen).then(() => false)]);
    expect(refused).toBe(true);
    const p = pay(
      [genesisCoin(2)],
      [
        [3, 1_000_000n],
        [2, GENESIS_VALUE - 1_000_000n - 500n],
      ],
    );
    await n2.rpc("sendrawtransaction", p.hex);
    await until("relay still works", async () => (await n0.rpc<string[]>("getrawmempool")).includes(p.txid));
    // a block refused before it was stored (wrong coinbase height): a peer announcing it is not asked for it
    const wrongHeight = buildBlock(
      {
        prevHash: info.bestBlockHash,
        height: info.height + 1,
        time: tpl.time,
        coinbaseOutputs: [{ value: subsidyAt(info.height + 1, DEVNET) as Amount, pubkey: accounts[0].pubkey }],
      },
      DEVNET,
    );
    const relabelled = [makeCoinbase(info.height + 2, wrongHeight.txs[0].outputs)];
    const mislabelled = {
      txs: relabelled,
      header: solveHeader({ ...wrongHeight.header, merkleRoot: merkleRoot(relabelled.map(txid)) }, DEVNET),
    };
    expect(await n0.rpc("submitblock", bytesToHex(encodeBlock(mislabelled)))).toBe("bad-cb-height");
    const other = await connect();
    const requested: string[] = [];
    other.on("message", (d) => {
      const m = JSON.parse(String(d));
      if (m.type === "getdata") requested.push(...(m.blocks ?? []));
      // answer a headers-first request with the block's header, as a peer that has it would
      if (m.type === "getheaders") other.send(JSON.stringify({ type: "headers", headers: [bytesToHex(encodeHeader(mislabelled.header))] }));
    });
    await handshake(other, "ws://127.0.0.1:2");
    const badHash = blockHash(mislabelled.header);
    other.send(JSON.stringify({ type: "inv", blocks: [badHash] }));
    await new Promise((r) => setTimeout(r, 500));
    expect(requested).not.toContain(badHash);
    other.close();
  });
});
