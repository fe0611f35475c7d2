#!/usr/bin/env node
// Hostile peers against real node processes on loopback (issue 12). For each attack:
// a serving node H holds 300 blocks; a fresh node S syncs them from H while one attacker
// works on the target (H, S, or T: a node of 2,100 blocks). Printed per attack: RPC p99 of
// the target (getblockchaininfo every 25 ms), its peak RSS, S's sync time against a no-attack
// baseline sync measured right before it (same machine, same load), the log bytes the target
// wrote, and what the attacker achieved. The last four attacks (nonce-squat, notfound-swarm,
// staller's adaptive window, low-work-headers) are the final attack's findings; dup-frame
// (a URL in H's peer list answers with S's nonce, so that S's own dial to H is refused),
// slow-staller (a first peer delivering every block 1.8 s late) and withheld-fork (headers of
// a heavier fork whose last block never comes) are later ones'.
//   node scripts/attack.mjs                 all attacks
//   node scripts/attack.mjs ping-flood ...  only those named
// Each attacker gets its own loopback address (127.0.A.B: Linux routes all of 127/8 to lo),
// because bans are per address. Bounded: ATTACK_MS per attack (default 6000). Needs a build.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket, { WebSocketServer } from "ws";
import * as core from "../packages/core/dist/index.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(root, "packages/cli/bin/utxolab.js");
const ATTACK_MS = Number(process.env.ATTACK_MS ?? 12_000);
const BLOCKS = Number(process.env.ATTACK_BLOCKS ?? 300);
const TOKEN = "attack";
const GENESIS = core.genesisHash(core.DEVNET);
const ADDRESS = core.encodeAddress(core.devnetAccounts()[0].pubkey, core.DEVNET.hrp);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ node processes

async function startNode(name) {
  const flags = name === "H" && process.env.ATTACK_H_FLAGS ? process.env.ATTACK_H_FLAGS.split(" ") : [];
  const proc = spawn(
    process.execPath,
    [...flags, BIN, "node", "--memory", "--rpc-port", "0", "--p2p-port", "0", "--rpc-token", TOKEN, "--ban-time", "60"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let logBytes = 0;
  const ready = new Promise((resolve, reject) => {
    proc.on("exit", (c) => reject(new Error(`${name} exited with ${c}: ${out.slice(-500)}`)));
    proc.stdout.on("data", (d) => {
      logBytes += d.length;
      if (out.length < 10_000) out += d;
      const rpc = /rpc (http:\/\/\S+)\/rpc/.exec(out)?.[1];
      const p2p = /p2p (ws:\/\/\S+)/.exec(out)?.[1];
      if (rpc && p2p) resolve({ rpc: `${rpc}/rpc`, p2p });
    });
    proc.stderr.on("data", (d) => {
      out += d;
    });
  });
  const { rpc, p2p } = await Promise.race([ready, sleep(20_000).then(() => Promise.reject(new Error(`${name} did not start`)))]);
  return {
    name,
    proc,
    rpcUrl: rpc,
    p2p,
    logBytes: () => logBytes,
    rss: () => {
      try {
        return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
      } catch {
        return 0;
      }
    },
    stop: async () => {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      await Promise.race([new Promise((r) => proc.once("exit", r)), sleep(5_000).then(() => proc.kill("SIGKILL"))]);
    },
  };
}

async function rpc(node, method, params = [], timeoutMs = 5_000) {
  const res = await fetch(node.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const j = await res.json();
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}

const height = async (n) => (await rpc(n, "getblockchaininfo")).height;

/** Polls the target's RPC every 25 ms and its RSS every 100 ms until stopped. */
function measure(target) {
  const lat = [];
  let maxRss = target.rss();
  let stop = false;
  const rpcLoop = (async () => {
    while (!stop) {
      const t = performance.now();
      try {
        await rpc(target, "getblockchaininfo", [], 2_000);
        lat.push(performance.now() - t);
      } catch {
        lat.push(2_000);
      }
      await sleep(25);
    }
  })();
  const rssTimer = setInterval(() => (maxRss = Math.max(maxRss, target.rss())), 100);
  return async () => {
    stop = true;
    clearInterval(rssTimer);
    await rpcLoop;
    lat.sort((a, b) => a - b);
    return { p99: lat[Math.floor(lat.length * 0.99)] ?? 0, calls: lat.length, maxRss };
  };
}

/** S syncs from H; resolves with ms taken, or undefined if not within limitMs. */
async function syncTime(s, h, limitMs) {
  const start = performance.now();
  await rpc(s, "addnode", [h.p2p]);
  while (performance.now() - start < limitMs) {
    if ((await height(s).catch(() => 0)) >= BLOCKS) return performance.now() - start;
    await sleep(20);
  }
  return undefined;
}

// ------------------------------------------------------------------ a raw attacker

let addrSeq = 0;
const nextAddr = (net) => `127.0.${net}.${1 + (addrSeq++ % 250)}`;

function rawPeer(url, from, { pongs = true, listen = null, nonce = randomBytes(8).toString("hex") } = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress: from, maxPayload: 64 * 1024 * 1024 });
    const p = {
      ws,
      msgs: [],
      closed: false,
      ready: false,
      send: (m) => ws.readyState === 1 && ws.send(typeof m === "string" ? m : JSON.stringify(m)),
    };
    ws.on("error", () => {});
    ws.on("close", () => {
      p.closed = true;
      resolve(p);
    });
    ws.on("message", (d) => {
      const m = JSON.parse(d.toString());
      if (p.msgs.length < 100) p.msgs.push(m);
      p.onMessage?.(m);
      if (m.type === "verack" && !p.ready) {
        p.ready = true;
        p.send({ type: "verack" });
        resolve(p);
      }
      if (m.type === "ping" && pongs) p.send({ type: "pong", nonce: m.nonce, height: 0 });
    });
    ws.on("open", () =>
      p.send({
        type: "version",
        protocol: 1,
        genesis: GENESIS,
        height: 0,
        userAgent: "/attacker/",
        nonce,
        listen,
      }),
    );
  });
}

const randHash = () => randomBytes(32).toString("hex");

// ------------------------------------------------------------------ the attacks

/** Each returns a one-line note of what it managed; `until` is when to stop. */
const ATTACKS = {
  // 2: pings, never reading the pongs
  "ping-flood": {
    target: "H",
    run: async ({ H, until }) => {
      const p = await rawPeer(H.p2p, nextAddr(2));
      p.ws._socket.pause();
      const ping = JSON.stringify({ type: "ping", nonce: "ab".repeat(8), height: 0 });
      let sent = 0;
      while (Date.now() < until && !p.closed) {
        for (let i = 0; i < 2_000; i++) p.send(ping);
        sent += 2_000;
        await sleep(5);
      }
      p.ws.terminate();
      return `${sent} pings sent, attacker ${p.closed ? "dropped" : "still connected"}`;
    },
  },
  // 3: full inv messages of random txids: the known-inventory set evicts constantly
  "inv-flood": {
    target: "H",
    run: async ({ H, until }) => {
      const p = await rawPeer(H.p2p, nextAddr(3));
      let n = 0;
      while (Date.now() < until && !p.closed) {
        p.send({ type: "inv", txs: Array.from({ length: 50_000 }, randHash) });
        n++;
        await sleep(100);
      }
      p.ws.terminate();
      return `${n} inv messages of 50,000 hashes, attacker ${p.closed ? "dropped" : "still connected"}`;
    },
  },
  // 4: getheaders and getdata for all 300 blocks, never reading
  amplification: {
    target: "H",
    run: async ({ H, until, hashes }) => {
      const p = await rawPeer(H.p2p, nextAddr(4));
      p.ws._socket.pause();
      let n = 0;
      while (Date.now() < until && !p.closed) {
        p.send({ type: "getheaders", locator: [GENESIS] });
        p.send({ type: "getdata", blocks: hashes.slice(0, 300) });
        n++;
        await sleep(20);
      }
      p.ws.terminate();
      return `${n} getheaders+getdata(300 blocks) pairs, attacker ${p.closed ? "dropped" : "still connected"}`;
    },
  },
  // 5: announces H's headers to S first, then never delivers a block
  staller: {
    target: "S",
    run: async ({ S, until, headers }) => {
      const p = await rawPeer(S.p2p, nextAddr(5));
      p.onMessage = (m) => {
        if (m.type === "getheaders") p.send({ type: "headers", headers });
      };
      p.send({ type: "headers", headers }); // likely unasked yet: scored, harmless
      while (Date.now() < until && !p.closed) await sleep(50);
      const note = `staller ${p.closed ? "dropped" : "still connected"}`;
      p.ws.terminate();
      return note;
    },
  },
  // 6: one-block forks from genesis (valid proof of work, no more work than the tip), from new addresses
  "low-work-forks": {
    target: "H",
    run: async ({ H, until }) => {
      let sent = 0;
      let peers = 0;
      const pubkey = core.devnetAccounts()[1].pubkey;
      const g = core.genesisBlock(core.DEVNET);
      while (Date.now() < until) {
        const p = await rawPeer(H.p2p, nextAddr(6));
        if (!p.ready) continue;
        peers++;
        while (!p.closed && Date.now() < until) {
          const b = core.buildBlock(
            {
              prevHash: GENESIS,
              height: 1,
              time: g.header.time + 1 + sent,
              coinbaseOutputs: [{ value: 50n * core.COIN, pubkey }],
              coinbaseExtra: randomBytes(8),
            },
            core.DEVNET,
          );
          p.send({ type: "block", block: core.bytesToHex(core.encodeBlock(b)) });
          sent++;
          await sleep(2);
        }
        p.ws.terminate();
      }
      return `${sent} fork blocks from ${peers} addresses`;
    },
  },
  // 7: raw TCP sockets that never upgrade, from 10 addresses
  "raw-sockets": {
    target: "H",
    run: async ({ H, until }) => {
      const port = Number(new URL(H.p2p).port);
      const socks = [];
      let closed = 0;
      for (let i = 0; i < 1_000; i++) {
        const s = connect({ port, host: "127.0.0.1", localAddress: `127.0.7.${1 + (i % 10)}` });
        s.on("error", () => {});
        s.on("close", () => closed++);
        socks.push(s);
      }
      while (Date.now() < until) await sleep(50);
      for (const s of socks) s.destroy();
      return `1,000 raw sockets opened, ${closed} closed by the node`;
    },
  },
  // 8: 40 peers from 40 addresses that only answer pings
  squatters: {
    target: "H",
    run: async ({ H, until }) => {
      const ps = await Promise.all(Array.from({ length: 40 }, () => rawPeer(H.p2p, nextAddr(8))));
      while (Date.now() < until) await sleep(50);
      const held = ps.filter((p) => !p.closed).length;
      for (const p of ps) p.ws.terminate();
      return `${ps.filter((p) => p.ready).length} squatters joined, ${held} still held a slot at the end`;
    },
  },
  // 10: misbehave, change the advertised port, come back (ban evasion), from one address
  "ban-evasion": {
    target: "H",
    run: async ({ H, until }) => {
      const from = nextAddr(10);
      let tries = 0;
      let joined = 0;
      while (Date.now() < until && tries < 300) {
        const p = await rawPeer(H.p2p, from, { listen: `ws://127.0.0.1:${20_000 + tries}` });
        tries++;
        if (p.ready) {
          joined++;
          p.send("{garbage");
        }
        await sleep(10);
        p.ws.terminate();
      }
      return `${tries} tries with new ports, ${joined} got past the handshake`;
    },
  },
  // final attack 1: copy H's nonce and listen URL (from H's own `version`) and hold them on S,
  // so that S would refuse the real H as a duplicate
  "nonce-squat": {
    target: "S",
    run: async ({ H, S, until }) => {
      const spy = await rawPeer(H.p2p, nextAddr(12));
      const hv = spy.msgs.find((m) => m.type === "version");
      spy.ws.terminate();
      const p = await rawPeer(S.p2p, nextAddr(12), { listen: hv.listen, nonce: hv.nonce });
      const accepted = p.ready;
      while (Date.now() < until && !p.closed) await sleep(50);
      const note = `squatted H's nonce on S (${accepted ? "accepted" : "refused"}), squatter ${p.closed ? "dropped" : "still connected"}`;
      p.ws.terminate();
      return note;
    },
  },
  // final attack 2: 20 peers from 20 addresses announce H's headers to S; half answer every
  // getdata with notfound, half never answer
  "notfound-swarm": {
    target: "S",
    run: async ({ S, until, headers }) => {
      const ps = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const p = await rawPeer(S.p2p, nextAddr(13));
          p.onMessage = (m) => {
            if (m.type === "getheaders") p.send({ type: "headers", headers });
            else if (m.type === "getdata" && i % 2 === 0 && m.blocks?.length) p.send({ type: "notfound", blocks: m.blocks });
          };
          return p;
        }),
      );
      while (Date.now() < until && ps.some((p) => !p.closed)) await sleep(50);
      const left = ps.filter((p) => !p.closed).length;
      for (const p of ps) p.ws.terminate();
      return `${ps.filter((p) => p.ready).length} announcers joined (10 notfound, 10 silent), ${20 - left} dropped or banned`;
    },
  },
  // a later attack: S's FIRST peer announces H's headers and delivers every block 1.8 s after
  // getdata. Its first deliveries (before H is added) made it look slow but honest: it set
  // its own stall window to the 2 s ceiling and was never dropped (300 blocks: ~9 s vs 0.6 s).
  "slow-staller": {
    target: "S",
    // it fetches H's blocks, joins S and delivers its first batch before the clock starts
    prepare: async ({ H, S, hashes, headers }) => {
      const src = await rawPeer(H.p2p, nextAddr(15));
      const blocks = new Map();
      src.onMessage = (m) => {
        if (m.type === "block") blocks.set(hashes[headers.indexOf(m.block.slice(0, 160))], m.block);
      };
      src.send({ type: "getdata", blocks: hashes });
      while (blocks.size < hashes.length && !src.closed) await sleep(20);
      src.ws.terminate();
      const p = await rawPeer(S.p2p, nextAddr(15));
      p.delivered = 0;
      p.onMessage = (m) => {
        if (m.type === "getheaders") p.send({ type: "headers", headers });
        else if (m.type === "getdata")
          for (const h of m.blocks ?? [])
            setTimeout(() => {
              if (blocks.has(h) && p.send({ type: "block", block: blocks.get(h) }) !== false) p.delivered++;
            }, 1_800);
      };
      while (p.delivered < 16 && !p.closed) await sleep(20);
      return p;
    },
    run: async ({ until, prepared: p }) => {
      const before = p.delivered;
      while (Date.now() < until && !p.closed) await sleep(50);
      const note = `slow staller delivered ${before} blocks before the sync, ${p.delivered - before} during it, ${p.closed ? "dropped" : "still connected"}`;
      p.ws.terminate();
      return note;
    },
  },
  // final attack 4: full 2,000-header batches of a low-work fork from genesis, to a node T
  // holding 2,100 blocks (a full batch from genesis cannot beat it), from new addresses
  "low-work-headers": {
    target: "T",
    // built before the clock starts: it is CPU work that would colour the measurement
    prepare: () => {
      // three different branches from genesis: a batch the node has seen brings nothing new
      const pubkey = core.devnetAccounts()[1].pubkey;
      return [0, 1, 2].map((k) => {
        let prev = core.genesisBlock(core.DEVNET).header;
        const batch = [];
        for (let h = 1; h <= 2_000; h++) {
          const b = core.buildBlock(
            {
              prevHash: core.blockHash(prev),
              height: h,
              time: prev.time + 1,
              coinbaseOutputs: [{ value: 50n * core.COIN, pubkey }],
              coinbaseExtra: new Uint8Array([k]),
            },
            core.DEVNET,
          );
          batch.push(core.bytesToHex(core.encodeHeader(b.header)));
          prev = b.header;
        }
        return batch;
      });
    },
    run: async ({ T, until, prepared: batches }) => {
      let sent = 0;
      let getdata = 0;
      let peers = 0;
      let banned = 0;
      while (Date.now() < until) {
        const p = await rawPeer(T.p2p, nextAddr(14));
        if (!p.ready) continue;
        peers++;
        let k = 0;
        p.onMessage = (m) => {
          if (m.type === "getheaders") {
            p.send({ type: "headers", headers: batches[k++ % 3] });
            sent++;
          } else if (m.type === "getdata") getdata++;
          else if (m.type === "reject" && m.reason === "banned") banned++;
        };
        while (!p.closed && Date.now() < until) await sleep(20);
        p.ws.terminate();
      }
      return `${sent} full low-work batches from ${peers} addresses, ${banned} banned, ${getdata} getdata asked of them`;
    },
  },
  // final attack 3: headers of a heavier fork from genesis (free proof of work on devnet) with
  // 720 KB blocks (18,000 outputs), every block served but the last; three attackers at once,
  // each from its own address, coming back whenever it is dropped
  "withheld-fork": {
    target: "H",
    // headers built before the clock starts; a block past the first 16 is built again when asked
    // for (the same block: building is deterministic), so the attacker does not hold 650 MB of blocks
    prepare: ({ hashes }) => {
      const pubkey = core.devnetAccounts()[1].pubkey;
      const outs = Array.from({ length: 18_000 }, () => ({ value: 1n, pubkey }));
      const n = hashes.length + 1;
      const build = (k, h, prev) =>
        core.buildBlock(
          { prevHash: core.blockHash(prev), height: h, time: prev.time + 1, coinbaseOutputs: outs, coinbaseExtra: new Uint8Array([7, k]) },
          core.DEVNET,
        );
      return [0, 1, 2].map((k) => {
        let prev = core.genesisBlock(core.DEVNET).header;
        const headers = [];
        const at = new Map();
        for (let h = 1; h <= n; h++) {
          const b = build(k, h, prev);
          headers.push(core.bytesToHex(core.encodeHeader(b.header)));
          // the last block is withheld
          if (h < n) at.set(core.blockHash(b.header), { h, prev });
          prev = b.header;
        }
        const encode = (hash) => core.bytesToHex(core.encodeBlock(build(k, at.get(hash).h, at.get(hash).prev)));
        // the first blocks are ready before the clock starts, so the attacker's own CPU does not
        // slow the sync it is measured against (the rest is built when asked for)
        const ready = new Map([...at.keys()].slice(0, 16).map((hash) => [hash, encode(hash)]));
        return { headers, block: (hash) => at.has(hash) && (ready.get(hash) ?? encode(hash)) };
      });
    },
    run: async ({ H, until, prepared: forks }) => {
      let served = 0;
      let peers = 0;
      let banned = 0;
      let refused = 0;
      await Promise.all(
        forks.map(async (fork) => {
          // one address per attacker (a machine of its own), coming back whenever it is dropped
          const from = nextAddr(15);
          while (Date.now() < until) {
            const p = await rawPeer(H.p2p, from);
            if (!p.ready) {
              refused++;
              await sleep(200);
              continue;
            }
            peers++;
            p.onMessage = (m) => {
              if (m.type === "getheaders") p.send({ type: "headers", headers: fork.headers });
              else if (m.type === "getdata")
                for (const h of m.blocks ?? []) {
                  const b = fork.block(h);
                  if (b && p.send({ type: "block", block: b }) !== false) served++;
                }
              else if (m.type === "reject" && m.reason === "banned") banned++;
            };
            while (!p.closed && Date.now() < until) await sleep(20);
            p.ws.terminate();
          }
        }),
      );
      return `${served} blocks of 720 KB served on ${peers} connections from 3 addresses (each fork withholding its last block), ${banned} banned, ${refused} reconnections refused`;
    },
  },
  // 11: refusals that are logged (policy-refused transactions) with escape sequences in peer text
  "log-flood": {
    target: "H",
    run: async ({ H, until }) => {
      const p = await rawPeer(H.p2p, nextAddr(11));
      const g = core.genesisBlock(core.DEVNET).txs[0];
      let n = 0;
      while (Date.now() < until && !p.closed) {
        for (let i = 0; i < 200; i++) {
          // a dust output: a policy refusal, logged, not punished
          const tx = {
            version: 1,
            inputs: [{ prevTxid: core.txid(g), vout: 0, witness: new Uint8Array(64).fill(n % 256) }],
            outputs: [{ value: BigInt(1 + (n % 500)), pubkey: new Uint8Array(32) }],
            locktime: n,
          };
          p.send({ type: "tx", tx: core.bytesToHex(core.encodeTx(tx)) });
          p.send({ type: "reject", reason: "x\u001b[2J\nfake", detail: "\u001b]0;pwned\u0007" });
          n++;
        }
        await sleep(10);
      }
      p.ws.terminate();
      return `${n} refused transactions and escape-laden rejects, attacker ${p.closed ? "dropped" : "still connected"}`;
    },
  },
  // final attack 5: a URL in H's peer list is the attacker's (a listener at its own loopback
  // address); it answers H's dial with S's nonce (copied from S's `version`), so that H would
  // refuse S's own connection (the sync) as a duplicate of it, or close it by the lower-nonce
  // rule. Set up before the clock starts; H's dial to it stays (`addnode` has no removal).
  "dup-frame": {
    target: "H",
    prepare: async ({ H, S }) => {
      const spy = await rawPeer(S.p2p, nextAddr(15));
      const nonce = spy.msgs.find((m) => m.type === "version").nonce;
      spy.ws.terminate();
      const host = nextAddr(15);
      const wss = new WebSocketServer({ host, port: 0 });
      await new Promise((r) => wss.once("listening", r));
      const url = `ws://${host}:${wss.address().port}`;
      const state = { url, dialled: 0, ready: false };
      wss.on("connection", (ws) => {
        state.dialled++;
        ws.on("error", () => {});
        ws.on("message", (d) => {
          const m = JSON.parse(d.toString());
          if (m.type === "version") {
            ws.send(JSON.stringify({ ...m, userAgent: "/framer/", height: 0, nonce, listen: url }));
            ws.send(JSON.stringify({ type: "verack" }));
          } else if (m.type === "verack") state.ready = true;
          else if (m.type === "ping") ws.send(JSON.stringify({ type: "pong", nonce: m.nonce, height: 0 }));
        });
      });
      await rpc(H, "addnode", [url]);
      for (let i = 0; i < 100 && !state.ready; i++) await sleep(20);
      return state;
    },
    run: async ({ H, S, until, prepared: state }) => {
      let samples = 0;
      let held = 0;
      let framer = 0;
      while (Date.now() < until) {
        const peers = await rpc(H, "getpeerinfo").catch(() => []);
        samples++;
        if (peers.some((p) => p.inbound && p.url === S.p2p)) held++;
        if (peers.some((p) => !p.inbound && p.url === state.url)) framer++;
        await sleep(100);
      }
      return `framer answered H's dial with S's nonce (${state.ready ? "accepted" : "refused"}, held in ${framer}/${samples} samples); S's connection into H held in ${held}/${samples} samples`;
    },
  },
};

// ------------------------------------------------------------------ main

// The attacker runs in a process of its own, so its CPU use cannot colour the RPC timings measured here.
if (process.env.ATTACK_AS) {
  const ctx = JSON.parse(process.env.ATTACK_CTX);
  ctx.prepared = await ATTACKS[process.env.ATTACK_AS].prepare?.(ctx);
  ctx.until = Date.now() + ATTACK_MS;
  console.log("started");
  const note = await ATTACKS[process.env.ATTACK_AS].run(ctx);
  console.log(note);
  process.exit(0);
}

/** Resolves once the attacker has started, with a promise of its report. */
function runAttacker(name, ctx) {
  let started;
  const isStarted = new Promise((r) => (started = r));
  const report = new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, ATTACK_AS: name, ATTACK_CTX: JSON.stringify(ctx) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.startsWith("started")) started();
    });
    const kill = setTimeout(() => child.kill("SIGKILL"), ATTACK_MS + 30_000);
    child.on("exit", () => {
      clearTimeout(kill);
      started();
      resolve(out.trim().split("\n").at(-1) || "attacker gave no report");
    });
  });
  return isStarted.then(() => ({ report }));
}

const wanted = process.argv.slice(2);
for (const w of wanted) if (!ATTACKS[w]) throw new Error(`no attack named ${w}; known: ${Object.keys(ATTACKS).join(", ")}`);
const names = wanted.length ? wanted : Object.keys(ATTACKS);
const started = [];
const fmt = (ms) => (ms === undefined ? `not within ${(ATTACK_MS / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`);
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;

try {
  const H = await startNode("H");
  started.push(H);
  await rpc(H, "generatetoaddress", [BLOCKS, ADDRESS], 120_000);
  const hashes = [];
  const headers = [];
  for (let h = 1; h <= BLOCKS; h++) {
    const hash = await rpc(H, "getblockhash", [h]);
    hashes.push(hash);
    headers.push((await rpc(H, "getblock", [hash, false])).slice(0, 160));
  }
  // T: a node with more than one full headers batch of chain, for the low-work headers attack
  let T;
  if (names.includes("low-work-headers")) {
    T = await startNode("T");
    started.push(T);
    await rpc(T, "generatetoaddress", [2_100, ADDRESS], 300_000);
  }
  // A baseline sync right before each attack, on the same machine at the same load: the
  // ratio compares like with like while other jobs come and go.
  const baselineSync = async () => {
    const b = await startNode("S-baseline");
    started.push(b);
    const t = await syncTime(b, H, 60_000);
    await b.stop();
    return t;
  };
  console.log(`node ${process.version}; H holds ${BLOCKS} blocks; H RSS ${mb(H.rss())}; load ${loadavg()[0].toFixed(1)}`);
  console.log("attack            | target | RPC p99 (calls) | peak RSS | sync 300 | baseline | ratio (limit 2) | log bytes | attacker");
  for (const name of names) {
    const a = ATTACKS[name];
    const baseline = await baselineSync();
    const S = await startNode(`S-${name}`);
    started.push(S);
    const target = a.target === "H" ? H : a.target === "T" ? T : S;
    const log0 = target.logBytes();
    const ctx = { H: { p2p: H.p2p, rpcUrl: H.rpcUrl }, S: { p2p: S.p2p }, T: T && { p2p: T.p2p }, hashes, headers };
    const { report: attack } = await runAttacker(name, ctx);
    const done = measure(target);
    await sleep(1_000);
    const sync = syncTime(S, H, ATTACK_MS - 1_000);
    const [note, took] = await Promise.all([attack, sync]);
    const m = await done();
    // a sync under 0.5 s is below the timer resolution of this harness: 2x of 0.5 s is the floor
    const ratio = took === undefined || baseline === undefined ? undefined : took / baseline;
    const ok = m.p99 < 250 && m.maxRss < 300 * 1048576 && took !== undefined && took <= 2 * Math.max(baseline ?? 0, 500);
    console.log(
      `${name.padEnd(17)} | ${a.target.padEnd(6)} | ${m.p99.toFixed(0).padStart(5)} ms (${String(m.calls).padStart(4)}) | ${mb(m.maxRss).padStart(8)} | ${fmt(took).padStart(8)} | ${fmt(baseline).padStart(8)} | ${(ratio === undefined ? "-" : ratio.toFixed(2)).padStart(15)} | ${String(target.logBytes() - log0).padStart(9)} | ${note}${ok ? "" : "  <-- over a target"}`,
    );
    await S.stop();
    await sleep(300);
  }
} finally {
  for (const n of started) await n.stop();
}
