import {
  type Amount,
  type BlockIndexEntry,
  DEVNET,
  devnetAccounts,
  genesisBlock,
  type NetworkParams,
  type SigCache,
  signTx,
  type Transaction,
  txid,
} from "@utxolab/core";
import type { Network } from "./network.js";
import { type Miner, type SimReport, Simulation } from "./sim.js";
import type { SimNode } from "./simnode.js";

/** Best (most work) block the node holds that its peers can see: the public chain as it knows it. */
function betterPublic(cur: BlockIndexEntry, e: BlockIndexEntry): BlockIndexEntry {
  return e.chainWork > cur.chainWork ? e : cur;
}

function ancestorAt(e: BlockIndexEntry, height: number): BlockIndexEntry | undefined {
  let p: BlockIndexEntry | undefined = e;
  while (p && p.height > height) p = p.parent;
  return p?.height === height ? p : undefined;
}

function isAncestor(a: BlockIndexEntry, e: BlockIndexEntry): boolean {
  return ancestorAt(e, a.height)?.hash === a.hash;
}

// ------------------------------------------------------------------ double spend

const AUX = new Uint8Array(32).fill(7);
let spends: { pay: Transaction; back: Transaction } | undefined;

/** Account 9 pays the merchant (account 8) with its genesis coin, and signs a conflicting payment back to itself. */
export function doubleSpendTxs(params: NetworkParams): { pay: Transaction; back: Transaction } {
  if (spends) return spends;
  const g = genesisBlock(params).txs[0];
  const [merchant, attacker] = [devnetAccounts()[8], devnetAccounts()[9]];
  const value = g.outputs[9].value;
  const make = (to: Uint8Array) =>
    signTx(
      {
        version: 1,
        inputs: [{ prevTxid: txid(g), vout: 9, witness: new Uint8Array(64) }],
        outputs: [{ value: (value - 10_000n) as Amount, pubkey: to }],
        locktime: 0,
      },
      [{ value, pubkey: attacker.pubkey }],
      [attacker.sk],
      AUX,
    );
  spends = { pay: make(merchant.pubkey), back: make(attacker.pubkey) };
  return spends;
}

export interface DoubleSpendOptions {
  q: number;
  z: number;
  seed: number;
  /** honest mining nodes besides the merchant (default 4) */
  honestMiners?: number;
  sigCache?: SigCache;
  traceFile?: string;
}

export interface DoubleSpendOutcome {
  success: boolean;
  released: boolean;
  gaveUp: boolean;
  /** blocks found during the race */
  blocks: number;
  report: SimReport;
}

/** The attacker gives up when the chance of ever catching up is below 10⁻⁴. */
export const giveUpDeficit = (q: number): number => Math.max(2, Math.ceil(Math.log(1e-4) / Math.log(q / (1 - q))));

/**
 * One double-spend race with the real node code. Node 0 is the attacker
 * (share q), node 1 the merchant, nodes 2.. honest miners. At 10 s the attacker
 * holds one pre-mined private block with the payment back to itself
 * (Rosenfeld's assumption; it makes "catch up" mean "get ahead", which is what
 * a first-seen node needs) and the merchant receives the payment. The attacker
 * keeps mining its branch; once the merchant's payment has z confirmations on
 * the public chain and the private branch is longer, it publishes. It gives up
 * when too far behind. Success is read from the merchant's own chain at the
 * end: its coin from the payment is gone, the attacker's conflicting one is there.
 */
export async function doubleSpendRace(o: DoubleSpendOptions): Promise<DoubleSpendOutcome> {
  const h = o.honestMiners ?? 4;
  const n = h + 2;
  const { pay, back } = doubleSpendTxs(DEVNET);
  const payId = txid(pay);
  const topology = Array.from({ length: n }, (_, i) => Array.from({ length: n - i - 1 }, (_, k) => i + k + 1));
  const sim = new Simulation({
    seed: o.seed,
    nodes: n,
    blocks: 2_000,
    txPerBlock: 0,
    topology,
    regions: Array.from({ length: n }, () => 1),
    ...(o.sigCache ? { sigCache: o.sigCache } : {}),
    ...(o.traceFile ? { traceFile: o.traceFile } : {}),
  });
  await sim.setup();
  const attacker = sim.nodes[0];
  const merchant = sim.nodes[1];
  const giveUp = giveUpDeficit(o.q);
  let privateTip: BlockIndexEntry | undefined;
  let publicBest = attacker.chain.genesis;
  let released = false;
  let releasedAt = 0;
  let gaveUp = false;
  let blocks = 0;
  let k = 0;

  const confirmations = (): number => {
    for (let e: BlockIndexEntry | undefined = publicBest; e && e.height > 0; e = e.parent) {
      if (sim.bank.get(e.hash)?.txs.some((t) => txid(t) === payId)) return publicBest.height - e.height + 1;
    }
    return 0;
  };
  const decide = (): void => {
    if (released || gaveUp || !privateTip) return;
    if (privateTip.height > publicBest.height && confirmations() >= o.z) {
      attacker.publish(privateTip);
      released = true;
      releasedAt = sim.now;
      sim.event({ t: Math.round(sim.now), e: "release", n: 0, h: privateTip.height });
    } else if (publicBest.height - privateTip.height >= giveUp) {
      gaveUp = true;
      sim.event({ t: Math.round(sim.now), e: "giveup", n: 0 });
    }
  };
  attacker.onPeerBlock = (e) => {
    publicBest = betterPublic(publicBest, e);
    decide();
  };
  const attackerMiner: Miner = {
    name: "attacker",
    share: o.q,
    found: async () => {
      blocks++;
      if (!privateTip || gaveUp) return;
      if (released) {
        await attacker.mine(`att${k++}`);
        return;
      }
      privateTip = await attacker.mine(`att${k++}`, { parent: privateTip, txs: [], hide: true });
      decide();
    },
  };
  const honest = sim.nodes.slice(1).map((node) => {
    const m = sim.honestMiner(node, (1 - o.q) / (n - 1));
    return {
      ...m,
      found: () => {
        blocks++;
        return m.found();
      },
    };
  });
  sim.miners = [attackerMiner, ...honest];
  sim.stopWhen = () => gaveUp || (released && sim.now >= releasedAt + 120_000);
  sim.sched.schedule(10_000, () => {
    merchant.submitLocalTx(pay);
    void attacker.mine(`att${k++}`, { txs: [back], hide: true }).then((e) => {
      privateTip = e;
      decide();
    });
  });
  const report = await sim.run();
  const success = merchant.chain.utxos.getCoin(txid(back), 0) !== undefined && merchant.chain.utxos.getCoin(payId, 0) === undefined;
  return { success, released, gaveUp, blocks, report };
}

// ------------------------------------------------------------------ selfish mining

export interface SelfishOptions {
  alpha: number;
  /** the share of honest miners that hear the pool's block first in a tie */
  gamma: number;
  blocks: number;
  seed: number;
  /** honest mining nodes (default 20) */
  honest?: number;
  sigCache?: SigCache;
  traceFile?: string;
  progress?: (found: number, total: number) => void;
}

export interface SelfishOutcome {
  alpha: number;
  gamma: number;
  /** γ as it happened: of the honest blocks that ended a tie, the share built on the pool's block */
  gammaMeasured: number;
  ties: number;
  /** pool blocks on the final main chain ÷ its length */
  revenue: number;
  poolBlocks: number;
  mainChain: number;
  report: SimReport;
}

/**
 * Eyal and Sirer's selfish mining (Algorithm 1) by node 0 with share α, using
 * the real chain code: it mines on its private branch, publishes exactly as
 * the algorithm says, and adopts the public chain when it falls behind.
 * γ is set by the network: honest miners are 200 ms apart; the pool is 1 ms
 * from each of them, so it hears every honest block at once, but its own
 * announcements reach all but the first round(γ·H) honest miners 2 s late, so
 * in a race those see the honest block first.
 */
export async function selfishMining(o: SelfishOptions): Promise<SelfishOutcome> {
  const h = o.honest ?? 20;
  const n = h + 1;
  const fast = Math.round(o.gamma * h);
  const topology = Array.from({ length: n }, (_, i) => Array.from({ length: n - i - 1 }, (_, k) => i + k + 1));
  const network = (net: Network) => {
    for (let a = 1; a < n; a++) {
      for (let b = 1; b < n; b++) if (a !== b) net.setLatency(a, b, 200);
      net.setLatency(a, 0, 1);
      net.setLatency(0, a, 1);
      if (a > fast) net.setAnnounceDelay(0, a, 2_000);
    }
  };
  const sim = new Simulation({
    seed: o.seed,
    nodes: n,
    blocks: o.blocks,
    txPerBlock: 0,
    topology,
    regions: Array.from({ length: n }, () => 1),
    network,
    ...(o.sigCache ? { sigCache: o.sigCache } : {}),
    ...(o.traceFile ? { traceFile: o.traceFile } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  await sim.setup();
  const pool = sim.nodes[0];
  const s = new SelfishStrategy(pool);
  sim.miners = [
    { name: "selfish pool", share: o.alpha, found: () => s.found(), finish: () => s.finish() },
    ...sim.nodes.slice(1).map((node) => sim.honestMiner(node, (1 - o.alpha) / h)),
  ];
  const report = await sim.run();
  let poolBlocks = 0;
  const tip = pool.chain.tip;
  for (let e: BlockIndexEntry | undefined = tip; e && e.height > 0; e = e.parent) if (sim.blocks.get(e.hash)?.miner === 0) poolBlocks++;
  return {
    alpha: o.alpha,
    gamma: o.gamma,
    gammaMeasured: s.tieResolutions > 0 ? s.tiesWonByHonestHelp / s.tieResolutions : Number.NaN,
    ties: s.ties,
    revenue: tip.height > 0 ? poolBlocks / tip.height : 0,
    poolBlocks,
    mainChain: tip.height,
    report,
  };
}

/** Eyal and Sirer's Algorithm 1 on a SimNode. */
class SelfishStrategy {
  private privateTip: BlockIndexEntry;
  private publicTip: BlockIndexEntry;
  /** own blocks on the private branch since the last adoption */
  private branch = 0;
  /** state 0': our one-block branch and theirs race */
  private tieBlock: BlockIndexEntry | undefined;
  private k = 0;
  ties = 0;
  tieResolutions = 0;
  tiesWonByHonestHelp = 0;

  constructor(private readonly node: SimNode) {
    this.privateTip = node.chain.tip;
    this.publicTip = node.chain.tip;
    node.onPeerBlock = (e) => this.othersFound(e);
  }

  async found(): Promise<void> {
    const delta = this.privateTip.height - this.publicTip.height;
    this.privateTip = await this.node.mine(`pool${this.k++}`, { parent: this.privateTip, txs: [], hide: true });
    this.branch++;
    if (delta === 0 && this.branch === 2) {
      // we were racing with one block published: publish the new one, we win
      this.publishUpTo(this.privateTip);
      this.branch = 0;
      this.tieBlock = undefined;
    }
  }

  private othersFound(e: BlockIndexEntry): void {
    if (e.height <= this.publicTip.height) return;
    const delta = this.privateTip.height - this.publicTip.height;
    if (this.tieBlock) {
      this.tieResolutions++;
      if (isAncestor(this.tieBlock, e)) this.tiesWonByHonestHelp++;
      this.tieBlock = undefined;
    }
    this.publicTip = e;
    if (delta <= 0) {
      // they win (or caught up): adopt their chain
      this.privateTip = e;
      this.branch = 0;
    } else if (delta === 1) {
      // publish our block: a race, state 0'
      this.publishUpTo(this.privateTip);
      this.tieBlock = this.privateTip;
      this.ties++;
    } else if (delta === 2) {
      // publish all: our chain is longer by one, we win
      this.publishUpTo(this.privateTip);
      this.publicTip = this.privateTip;
      this.branch = 0;
    } else {
      // publish the first unpublished block: keep them chasing
      const a = ancestorAt(this.privateTip, e.height);
      if (a) this.publishUpTo(a);
    }
  }

  private publishUpTo(e: BlockIndexEntry): void {
    this.node.publish(e);
    if (e.chainWork > this.publicTip.chainWork) this.publicTip = e;
  }

  /** End of the run: everything held is shown (a pool would not sit on blocks forever). */
  finish(): void {
    this.node.publish(this.privateTip);
  }
}
