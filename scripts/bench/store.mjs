// Store: how long a node takes to start on a LevelDB datadir holding 100,000 unspent outputs,
// and what the loaded UTXO set costs in heap. ChainState loads every coin at start, so this
// is the start-up price of a chain of that size. Also: the cost of one block's write batch,
// with and without fsync (the store writes without it by default; see docs/storage.md).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainState, DEVNET, genesisHash, MemoryChainBackend, sha256, toHash, utf8 } from "../../packages/core/dist/index.js";
import { openStore } from "../../packages/store/dist/index.js";

// Heap numbers need a collection before each reading.
if (typeof globalThis.gc !== "function") {
  const r = spawnSync(process.execPath, ["--expose-gc", ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const COINS = 100_000;
const PER_COMMIT = 1_000;
const KEYS = 1_000; // distinct paying keys, as a busy devnet might have
const ROUNDS = 3;

const mb = (b) => (b / 1024 / 1024).toFixed(1);
const ms = (t) => t.toFixed(0);
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const now = () => DEVNET.genesis.time + 10_000_000;
// CPU time next to wall time: the machine is shared, and CPU time is what other work cannot inflate much.
const clock = () => ({ wall: performance.now(), cpu: process.cpuUsage() });
const since = (c) => {
  const u = process.cpuUsage(c.cpu);
  return { wall: performance.now() - c.wall, cpu: (u.user + u.system) / 1000 };
};

const keys = Array.from({ length: KEYS }, (_, i) => sha256(utf8(`bench key ${i}`)));
/** 100,000 coins in batches the size of a big block's outputs: two outputs per transaction. */
function* coinBatches() {
  for (let b = 0; b < COINS / PER_COMMIT; b++) {
    const addCoins = [];
    for (let i = 0; i < PER_COMMIT / 2; i++) {
      const n = b * PER_COMMIT + i * 2;
      const txid = toHash(sha256(utf8(`bench tx ${n}`)));
      for (let vout = 0; vout < 2; vout++) {
        addCoins.push({
          txid,
          vout,
          coin: { value: 1_000_000n + BigInt(n), pubkey: keys[(n + vout) % KEYS], height: 1 + b, coinbase: false },
        });
      }
    }
    yield addCoins;
  }
}

const gen = genesisHash(DEVNET);
const update = (addCoins, removeCoins = []) => ({ kind: "connect", hash: gen, tip: gen, undo: [], addCoins, removeCoins, entries: [] });

const dir = mkdtempSync(join(tmpdir(), "utxolab-bench-store-"));
try {
  // Fill the datadir (the genesis block first, then the coins, as commits).
  let store = await openStore({ dir, params: DEVNET });
  await ChainState.open(DEVNET, store, { now });
  const memory = new MemoryChainBackend();
  await ChainState.open(DEVNET, memory, { now });
  const batches = [...coinBatches()];
  const t = performance.now();
  for (const batch of batches) await store.commit(update(batch));
  const fillMs = performance.now() - t;
  for (const batch of batches) await memory.commit(update(batch));
  await store.close();
  console.log(
    `wrote ${COINS.toLocaleString("en")} coins (${KEYS} paying keys, 2 outputs per transaction) in ${batches.length} commits: ${ms(fillMs)} ms`,
  );

  // Each measurement runs in its own function, so nothing of one lingers in the heap reading of the next.
  const measureLoad = async () => {
    const base = heap();
    const t0 = clock();
    const loaded = await store.load();
    const time = since(t0);
    const used = heap() - base;
    return { time, used, coins: loaded.coins.length };
  };
  const measureOpen = async (backend) => {
    const base = heap();
    const t0 = clock();
    const cs = await ChainState.open(DEVNET, backend, { now });
    const time = since(t0);
    const used = heap() - base;
    return { time, used, coins: cs.utxos.size };
  };
  const loadTimes = [];
  const openTimes = [];
  const memTimes = [];
  let loadHeap = 0;
  let setHeap = 0;
  let size = 0;
  for (let r = 0; r < ROUNDS; r++) {
    store = await openStore({ dir, params: DEVNET });
    const l = await measureLoad();
    loadTimes.push(l.time);
    loadHeap = l.used;
    const o = await measureOpen(store);
    openTimes.push(o.time);
    setHeap = o.used;
    size = o.coins;
    await store.close();
    // The same start on the in-memory reference backend: what reading LevelDB adds.
    memTimes.push((await measureOpen(memory)).time);
  }
  if (size !== COINS + 10) throw new Error(`loaded ${size} coins, expected ${COINS + 10}`);
  const best = (xs, k) => Math.min(...xs.map((x) => x[k]));
  const fmt = (xs) => `${ms(best(xs, "wall"))} ms wall, ${ms(best(xs, "cpu"))} ms cpu`;
  console.log(
    `store.load() of ${size.toLocaleString("en")} coins: ${fmt(loadTimes)} (best of ${ROUNDS}); decoded coins hold ${mb(loadHeap)} MB of heap`,
  );
  console.log(
    `ChainState.open on LevelDB: ${fmt(openTimes)}; the loaded chain state holds ${mb(setHeap)} MB of heap (${Math.round(setHeap / size)} bytes/coin)`,
  );
  console.log(`ChainState.open on MemoryChainBackend (no disk, no decoding): ${fmt(memTimes)}`);
  console.log(`LevelDB / memory start-up: ${(best(openTimes, "cpu") / best(memTimes, "cpu")).toFixed(2)}x cpu`);

  // One block's write batch: 2,000 spends and 4,000 new outputs, like a full block of 1-in 2-out payments;
  // and a small block's (3 new coins), where the fixed cost of a write shows.
  const all = batches.flat();
  for (const sync of [false, true]) {
    store = await openStore({ dir, params: DEVNET, sync });
    const big = [];
    for (let r = 0; r < 5; r++) {
      const spend = all.slice(r * 2000, r * 2000 + 2000).map((c) => ({ txid: c.txid, vout: c.vout }));
      const adds = all.slice(50_000 + r * 4000, 50_000 + r * 4000 + 4000).map((c) => ({ ...c, vout: c.vout + 2 }));
      const t0 = performance.now();
      await store.commit(update(adds, spend));
      big.push(performance.now() - t0);
    }
    const small = [];
    for (let r = 0; r < 51; r++) {
      const t0 = performance.now();
      await store.commit(update(all.slice(r * 3, r * 3 + 3)));
      small.push(performance.now() - t0);
    }
    small.sort((a, b) => a - b);
    console.log(
      `commit, sync ${sync}: a 6,000-coin block ${Math.min(...big).toFixed(1)} ms (best of 5), a 3-coin block ${small[25].toFixed(2)} ms (median of 51)`,
    );
    await store.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
