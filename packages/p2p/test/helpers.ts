import {
  type Block,
  type BlockHeader,
  blockHash,
  type ChainOptions,
  type ChainState,
  checkTransaction,
  checkTxInputs,
  DEVNET,
  encodeBlock,
  encodeTx,
  genesisBlock,
  type Hash,
  type Transaction,
  txid,
} from "@utxolab/core";
import { GENESIS_VALUE, genesisCoin, nextBlock, openChain, out, spend, until } from "@utxolab/testkit";
import { afterEach } from "vitest";
import WebSocket from "ws";
import {
  type BlockSubmit,
  blockRefusal,
  isPeerFaultTxReason,
  type OutMessage,
  type P2PHost,
  P2PNode,
  type P2POptions,
  PROTOCOL_VERSION,
  type TxSubmit,
} from "../src/index.js";

/** A minimal node for the network layer: core's chain state and a Map as the pool. */
export class TestHost implements P2PHost {
  readonly logs: string[] = [];
  readonly pool = new Map<Hash, { tx: Transaction; raw: Uint8Array }>();
  genesisHash: Hash;
  userAgent: string;
  /** a host may answer with fewer headers than asked (exercises the follow-up getheaders) */
  headersCap = Number.POSITIVE_INFINITY;
  onSubmitBlock?: () => void;
  submittedBlocks = 0;
  p2p?: P2PNode;

  private constructor(
    readonly chain: ChainState,
    readonly name: string,
  ) {
    this.genesisHash = blockHash(genesisBlock(DEVNET).header);
    this.userAgent = `/utxolab-test:${name}/`;
  }

  static async create(name: string, chainOpts: ChainOptions = {}): Promise<TestHost> {
    return new TestHost(await openChain(chainOpts), name);
  }

  bestHeight(): number {
    return this.chain.height;
  }

  locator(): Hash[] {
    return this.chain.locator();
  }

  headersAfter(locator: Hash[], stop: Hash | undefined, max: number): BlockHeader[] {
    let fork = this.chain.atHeight(0);
    for (const h of locator) {
      const e = this.chain.getEntry(h);
      if (e && this.chain.isActive(e)) {
        fork = e;
        break;
      }
    }
    const out: BlockHeader[] = [];
    const limit = Math.min(max, this.headersCap);
    for (let h = (fork?.height ?? 0) + 1; h <= this.chain.height && out.length < limit; h++) {
      const e = this.chain.atHeight(h)!;
      out.push(e.header);
      if (e.hash === stop) break;
    }
    return out;
  }

  heightOf(hash: Hash): number | undefined {
    return this.chain.getEntry(hash)?.height;
  }

  hasBlock(hash: Hash): boolean {
    const e = this.chain.getEntry(hash);
    return e !== undefined && (e.hasData || e.status === "invalid");
  }

  async getBlock(hash: Hash): Promise<Uint8Array | undefined> {
    const b = await this.chain.getBlock(hash);
    return b && encodeBlock(b);
  }

  async submitBlock(block: Block, _raw?: Uint8Array, opts?: { unrequested?: boolean; towardMoreWork?: boolean }): Promise<BlockSubmit> {
    this.submittedBlocks++;
    this.onSubmitBlock?.();
    const r = await this.chain.submitBlock(block, {
      requireMoreWork: opts?.unrequested === true,
      towardMoreWork: opts?.towardMoreWork === true,
    });
    if (r.ok) {
      for (const tx of block.txs) this.pool.delete(txid(tx));
      return { ok: true, active: r.active };
    }
    return blockRefusal(r);
  }

  unhead(hashes: Hash[]): Promise<void> {
    return this.chain.unhead(hashes);
  }

  hasTx(id: Hash): boolean {
    return this.pool.has(id);
  }

  getTx(id: Hash): Uint8Array | undefined {
    return this.pool.get(id)?.raw;
  }

  submitTx(tx: Transaction, raw: Uint8Array): TxSubmit {
    const cf = checkTransaction(tx, DEVNET);
    if (!cf.ok) return { ...cf, misbehaving: isPeerFaultTxReason(cf.reason) };
    const ctx = checkTxInputs(tx, this.chain.utxos, this.chain.height + 1, DEVNET);
    if (!ctx.ok) return { ...ctx, misbehaving: isPeerFaultTxReason(ctx.reason) };
    this.pool.set(txid(tx), { tx, raw });
    return { ok: true };
  }

  log(line: string): void {
    this.logs.push(line);
  }

  /** Puts a transaction in this node's pool and announces it, as the node's RPC would. */
  addTx(tx: Transaction): void {
    const r = this.submitTx(tx, encodeTx(tx));
    if (!r.ok) throw new Error(`test tx refused: ${r.reason} ${r.detail ?? ""}`);
    this.p2p?.announceTx(txid(tx));
  }

  /** Mines `n` blocks on this node's tip and announces each; `tag` makes branches differ. */
  async mine(n: number, tag = this.name, txs: Transaction[] = []): Promise<Hash[]> {
    const out: Hash[] = [];
    for (let i = 0; i < n; i++) {
      const b = nextBlock(this.chain.tip, { extra: tag, txs: i === 0 ? txs : [] });
      const r = await this.chain.submitBlock(b);
      if (!r.ok) throw new Error(`test block refused: ${r.reason} ${r.detail ?? ""}`);
      for (const tx of b.txs) this.pool.delete(txid(tx));
      out.push(r.hash);
      this.p2p?.announceBlock(r.hash);
    }
    return out;
  }

  get tip(): Hash {
    return this.chain.tip.hash;
  }

  logged(re: RegExp): boolean {
    return this.logs.some((l) => re.test(l));
  }
}

/** Spends genesis output `i` (account i's 1,000 coins) back to account i, less a fee. */
export const genesisSpend = (i: number, fee = 10_000n): Transaction => spend([genesisCoin(i)], [out(GENESIS_VALUE - fee, i)]);

/** Closes the test's `Net` (whichever `current()` returns) after each test. */
export function closeAfterEach(current: () => Net | undefined): void {
  afterEach(async () => {
    await current()?.close();
  });
}

/** Nodes and sockets a test started, stopped after it. */
export class Net {
  readonly nodes: P2PNode[] = [];
  readonly raws: RawPeer[] = [];

  async node(host: TestHost, opts: Partial<P2POptions> = {}): Promise<P2PNode> {
    const n = new P2PNode(host, { params: DEVNET, port: 0, reconnectBaseMs: 50, reconnectMaxMs: 400, ...opts });
    host.p2p = n;
    this.nodes.push(n);
    await n.start();
    return n;
  }

  /** A raw peer, by default from an address of its own (127.0.1.N): bans are per address. */
  async raw(url: string, from: string = nextLoopback()): Promise<RawPeer> {
    const r = await RawPeer.connect(url, from);
    this.raws.push(r);
    return r;
  }

  async close(): Promise<void> {
    for (const r of this.raws) r.ws.terminate();
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}

export const hasPeer = (n: P2PNode, url?: string) => n.peers().some((p) => url === undefined || p.url === url || p.listen === url);

let loopback = 0;
/** Linux routes all of 127/8 to the loopback interface: each raw peer can have its own address. */
export function nextLoopback(): string {
  loopback++;
  return `127.0.${1 + Math.floor(loopback / 250)}.${1 + (loopback % 250)}`;
}

/** A hand-driven peer: sends whatever a test wants, records what it gets. */
export class RawPeer {
  readonly messages: any[] = [];
  closed?: { code: number; reason: string };
  private readonly closedP: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (d, bin) => {
      if (bin) return;
      try {
        this.messages.push(JSON.parse(d.toString()));
      } catch {
        this.messages.push({ type: "unparseable" });
      }
    });
    ws.on("error", () => {});
    this.closedP = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        resolve(this.closed);
      }),
    );
  }

  /** the address it connects from */
  localAddress = "127.0.0.1";

  static connect(url: string, from?: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, ...(from ? { localAddress: from } : {}) });
      const r = new RawPeer(ws);
      if (from) r.localAddress = from;
      ws.once("open", () => resolve(r));
      ws.once("error", reject);
    });
  }

  send(m: OutMessage | Record<string, unknown> | string | Buffer): void {
    if (typeof m === "string") this.ws.send(m);
    else if (Buffer.isBuffer(m)) this.ws.send(m, { binary: true });
    else this.ws.send(JSON.stringify(m));
  }

  version(listen: string | null, over: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      type: "version",
      protocol: PROTOCOL_VERSION,
      genesis: blockHash(genesisBlock(DEVNET).header),
      height: 0,
      userAgent: "/raw-test/",
      nonce: Math.floor(Math.random() * 2 ** 52)
        .toString(16)
        .padStart(16, "0"),
      listen,
      ...over,
    };
  }

  /** Completes the handshake, advertising `listen`. */
  async handshake(listen: string | null): Promise<void> {
    this.send(this.version(listen));
    await until("verack from the node", () => this.has("verack") || this.closed !== undefined);
    if (this.closed) throw new Error(`closed during handshake: ${JSON.stringify(this.messages)}`);
    this.send({ type: "verack" });
  }

  has(type: string): boolean {
    return this.messages.some((m) => m.type === type);
  }

  of(type: string): any[] {
    return this.messages.filter((m) => m.type === type);
  }

  whenClosed(): Promise<{ code: number; reason: string }> {
    return this.closedP;
  }
}

export { blockHash, encodeBlock };
