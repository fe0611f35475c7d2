import { type Block, encodeBlock, encodeTx, type Hash, type PeerSummary, type Transaction } from "@utxolab/core";
import { blockRefusal, type P2PHost, P2PNode, txRefusal } from "@utxolab/p2p";
import type { ChainSource, PoolSource, Reporter, Submitter } from "./parts.js";

/** What the peer layer reaches: the chain and the pool to answer peers, the node to submit through, its log. */
export type PeerHostNode = ChainSource & Pick<PoolSource, "mempool"> & Pick<Submitter, "submitBlock" | "submitTx"> & Pick<Reporter, "emit">;

export interface PeerLayer {
  readonly url: string;
  readonly p2p: P2PNode;
  announceTx(txid: Hash): void;
  announceBlock(hash: Hash): void;
  addPeer(url: string): void;
  setNetworkActive(on: boolean): void;
  peerInfo(): PeerSummary[];
  close(): Promise<void>;
}

/** What the peer layer may ask of the node: answers from the chain and the pool, submissions through the node. */
function hostFor(node: PeerHostNode): P2PHost {
  const chain = node.chain;
  return {
    genesisHash: node.genesisHash,
    userAgent: "utxolab/0.1",
    bestHeight: () => chain.height,
    locator: () => chain.locator(),
    headersAfter: (locator: Hash[], stop: Hash | undefined, max: number) => chain.headersAfter(locator, stop, max),
    heightOf: (hash: Hash) => chain.getEntry(hash)?.height,
    // a block found invalid counts as held too: fetching it again would only be refused again
    hasBlock: (hash: Hash) => chain.getEntry(hash) !== undefined,
    getBlock: async (hash: Hash) => {
      const e = chain.getEntry(hash);
      if (!e?.hasData) return undefined;
      const b = await chain.getBlock(hash);
      return b ? encodeBlock(b) : undefined;
    },
    submitBlock: async (block: Block, _raw: Uint8Array, opts?: { unrequested?: boolean; towardMoreWork?: boolean }) => {
      const r = await node.submitBlock(block, "peer", {
        requireMoreWork: opts?.unrequested === true,
        towardMoreWork: opts?.towardMoreWork === true,
      });
      return r.ok ? { ok: true as const, active: r.active } : blockRefusal(r);
    },
    unhead: (hashes: Hash[]) => chain.unhead(hashes),
    hasTx: (txid: Hash) => node.mempool.has(txid) || node.index.txs.has(txid),
    getTx: (txid: Hash) => {
      const e = node.mempool.get(txid);
      return e ? encodeTx(e.tx) : undefined;
    },
    submitTx: (tx: Transaction) => {
      const r = node.submitTx(tx, "peer", { allowOrphan: true });
      return r.ok ? { ok: true as const } : txRefusal(r);
    },
    log: (line: string) => node.emit({ type: "peer", line }),
  };
}

export async function createPeerLayer(
  node: PeerHostNode,
  opts: { port: number; bind: string; peers: string[]; banSeconds?: number },
): Promise<PeerLayer> {
  const p2p = new P2PNode(hostFor(node), {
    port: opts.port,
    bind: opts.bind,
    peers: opts.peers,
    params: node.params,
    ...(opts.banSeconds !== undefined ? { banSeconds: opts.banSeconds } : {}),
  });
  try {
    await p2p.start();
  } catch (e) {
    // listening may have succeeded before a bad peer URL was met: nothing may stay open
    await p2p.close();
    throw e;
  }
  return {
    get url() {
      return p2p.url;
    },
    p2p,
    announceTx: (id) => p2p.announceTx(id),
    announceBlock: (h) => p2p.announceBlock(h),
    addPeer: (url) => p2p.addPeer(url),
    setNetworkActive: (on) => p2p.setNetworkEnabled(on),
    peerInfo: () =>
      p2p
        .peers()
        .map((p) => ({ id: p.id, url: p.url, inbound: p.inbound, height: p.height, banScore: p.banScore, userAgent: p.userAgent })),
    close: () => p2p.close(),
  };
}
