import * as c from "../packages/core/dist/index.js";
import { loadBackend } from "../packages/core/dist/native/index.js";
import { UtxoNode } from "../packages/node/dist/index.js";

const libsecpBackend = await loadBackend("libsecp256k1");
const acc = c.devnetAccounts();
const g = c.genesisBlock(c.DEVNET);
const gid = c.txid(g.txs[0]);
const n = 1500,
  each = 50_000_000n;
c.setSchnorrBackend(libsecpBackend);
const fan = c.signTx(
  {
    version: 1,
    inputs: [{ prevTxid: gid, vout: 0, witness: new Uint8Array(64) }],
    outputs: Array.from({ length: n }, () => ({ value: each, pubkey: acc[1].pubkey })),
    locktime: 0,
  },
  [g.txs[0].outputs[0]],
  [acc[0].sk],
);
const fid = c.txid(fan);
const spends = [];
for (let k = 0; k < n; k += 15)
  spends.push(
    c.signTx(
      {
        version: 1,
        inputs: Array.from({ length: 15 }, (_, j) => ({ prevTxid: fid, vout: k + j, witness: new Uint8Array(64) })),
        outputs: [{ value: each * 15n - 1000n, pubkey: acc[2].pubkey }],
        locktime: 0,
      },
      fan.outputs.slice(k, k + 15),
      Array(15).fill(acc[1].sk),
    ),
  );
const block = c.buildBlock(
  {
    prevHash: c.genesisHash(c.DEVNET),
    height: 1,
    time: g.header.time + 60,
    coinbaseOutputs: [{ value: c.subsidyAt(1, c.DEVNET), pubkey: acc[0].pubkey }],
    txs: [fan, ...spends],
    coinbaseExtra: c.utf8("x"),
  },
  c.DEVNET,
);
const node = await UtxoNode.start({
  memory: true,
  rpcPort: 0,
  p2pPort: 0,
  rpcToken: "t",
  web: false,
  log: () => {},
  verifier: "noble",
  verifyThreads: 2,
});
const T0 = performance.now();
const marks = [];
const mark = (s) => marks.push(`${(performance.now() - T0).toFixed(0)} ${s}`);
node.chain.addListener({ blockConnected: () => mark("blockConnected") });
let last = performance.now();
let done = false;
const tick = () => {
  const now = performance.now();
  if (now - last > 60) mark(`loop blocked ${(now - last).toFixed(0)} ms`);
  last = now;
  if (!done) setTimeout(tick, 10);
};
tick();
const wrap = (o, k) => {
  const f = o[k].bind(o);
  o[k] = (...a) => {
    mark(k + " start");
    const t = performance.now();
    const r = f(...a);
    mark(`${k} sync part ${(performance.now() - t).toFixed(0)} ms`);
    return r;
  };
};
wrap(node.store, "saveBlock");
wrap(node.store, "commit");
{
  const u = new c.MemoryUtxoSet();
  u.add(gid, 0, { value: g.txs[0].outputs[0].value, pubkey: acc[0].pubkey, height: 0, coinbase: true });
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    c.prepareBlockTxs(block, 1, u, c.DEVNET);
    console.log("prepare", performance.now() - t);
  }
  const t = performance.now();
  c.sighashParts(fan, [g.txs[0].outputs[0]]);
  console.log("fan parts", performance.now() - t);
}
mark("submit");
const t = performance.now();
c.checkBlockBody(block, c.DEVNET);
mark(`checkBlockBody ${(performance.now() - t).toFixed(0)}`);
const r = await node.submitBlock(block, "x");
mark("done " + r.ok);
done = true;
await node.stop();
console.log(marks.join("\n"));
