import {
  type Block,
  type BlockHeader,
  makeCoinbase,
  merkleRoot,
  randomSecretKey,
  type SubmitResult,
  searchNonce,
  txid,
} from "@utxolab/core";
import type { Mempool } from "@utxolab/mempool";
import type { Reporter, Submitter } from "./parts.js";
import { type TemplateSource, template } from "./template.js";

/** What the miner is given: the template's sources, where blocks go, the log, and the pool's news (automine). */
export type MinerDeps = TemplateSource &
  Pick<Submitter, "submitBlock"> &
  Pick<Reporter, "info"> & { readonly mempool: Pick<Mempool, "addListener" | "size"> };

/** How often one block is built again after the tip moved under it before the refusal is reported. */
const MAX_STALE_REBUILDS = 8;

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** Builds blocks from the pool's template and searches nonces without blocking RPC. */
export class Miner {
  private timer: NodeJS.Timeout | undefined;
  private pendingAuto = false;
  private stopped = false;
  private paused = false;
  /** who automine pays, kept so a resume can confirm what waited meanwhile */
  private autoTo: Uint8Array | undefined;
  /** Blocks are built and submitted one at a time: a block built while another is being connected would sit on a stale tip. */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly node: MinerDeps) {}

  /** A block paying subsidy + fees to `pubkey`, on top of the current tip. */
  async buildBlock(pubkey: Uint8Array): Promise<Block> {
    const chain = this.node.chain;
    const t = template(this.node);
    // A few random bytes keep two miners' coinbases (and blocks) apart.
    const coinbase = makeCoinbase(t.height, [{ value: t.coinbaseValue, pubkey }], randomSecretKey().slice(0, 8));
    const txs = [coinbase, ...t.txs];
    const header: BlockHeader = {
      version: 1,
      prevHash: t.prevHash,
      merkleRoot: merkleRoot(txs.map(txid)),
      time: t.time,
      bits: t.bits,
      nonce: 0,
    };
    // the one search of core, in slices: RPC and peers are served between them
    let search = searchNonce(header, chain.params.powLimit, 2000);
    while (!search.found) {
      await yieldToLoop();
      search = searchNonce(search.next, chain.params.powLimit, 2000);
    }
    const solved = search.header;
    return { header: solved, txs };
  }

  mineOne(pubkey: Uint8Array): Promise<SubmitResult> {
    const run = this.lock.then(async () => {
      // The tip can move while the nonce is searched (a revert, invalidateblock, a peer's block):
      // a block refused because its parent is no longer the tip is built again on the new one.
      for (let attempt = 0; ; attempt++) {
        const block = await this.buildBlock(pubkey);
        const r = await this.node.submitBlock(block, "miner");
        if (r.ok) return r;
        const stale = block.header.prevHash !== this.node.chain.tip.hash;
        if (!stale || attempt >= MAX_STALE_REBUILDS) return r;
      }
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Mines `n` blocks in a row; stops at the first refusal (which means a bug, and is reported). */
  async generate(n: number, pubkey: Uint8Array): Promise<string[]> {
    const hashes: string[] = [];
    for (let i = 0; i < n && !this.stopped; i++) {
      const r = await this.mineOne(pubkey);
      if (!r.ok) {
        const done = hashes.length > 0 ? ` after ${hashes.length} block(s) were mined (${hashes.join(", ")})` : "";
        throw new Error(`mined block refused${done}: ${r.reason}${r.detail ? `: ${r.detail}` : ""}`);
      }
      hashes.push(r.hash);
      await yieldToLoop();
    }
    return hashes;
  }

  /** Automatic mining (--automine, --mine-interval) is held: the pool fills and can be looked at. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Whether anything mines by itself: pausing means something only then. */
  get isAutomatic(): boolean {
    return this.autoTo !== undefined || this.timer !== undefined;
  }

  pause(): void {
    this.paused = true;
  }

  /** Automatic mining goes on; automine confirms at once what waited in the pool meanwhile. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.autoTo) this.scheduleAuto(this.autoTo);
  }

  private scheduleAuto(pubkey: Uint8Array): void {
    if (this.pendingAuto || this.stopped || this.paused) return;
    this.pendingAuto = true;
    setTimeout(() => {
      this.pendingAuto = false;
      if (this.stopped || this.paused || this.node.mempool.size === 0) return;
      this.mineOne(pubkey).catch((e) => this.node.info(`automine failed: ${(e as Error).message}`));
    }, 20);
  }

  /** --automine: a block as soon as a transaction enters the pool (coalesced). */
  enableAutomine(pubkey: Uint8Array): void {
    this.autoTo = pubkey;
    this.node.mempool.addListener({ accepted: () => this.scheduleAuto(pubkey) });
    // a pool reloaded from mempool.dat at start is confirmed as if it had just arrived
    if (this.node.mempool.size > 0) this.scheduleAuto(pubkey);
  }

  /** --mine-interval MS: a block every interval, whether or not the pool has transactions. */
  startInterval(ms: number, pubkey: Uint8Array): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        if (!this.paused) await this.mineOne(pubkey);
      } catch (e) {
        this.node.info(`interval mining failed: ${(e as Error).message}`);
      }
      if (!this.stopped) this.timer = setTimeout(tick, ms);
    };
    this.timer = setTimeout(tick, ms);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
