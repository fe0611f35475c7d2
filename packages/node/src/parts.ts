import type { Block, ChainState, Hash, NetworkParams, SubmitOptions, SubmitResult, Transaction } from "@utxolab/core";
import type { AcceptResult, Mempool } from "@utxolab/mempool";
import type { ChainIndex } from "./chainindex.js";
import type { Clock, NodeClock } from "./clock.js";
import type { EventBus, NodeEvent } from "./events.js";
import type { Miner } from "./miner.js";
import type { NodeConfig, VerifierInfo } from "./node.js";
import type { PeerLayer } from "./peers.js";
import type { PoolPayments } from "./poolpayments.js";

/**
 * The small interfaces the node's parts are given instead of the whole `UtxoNode`, as bcoin
 * hands `{chain, mempool}` to its pool and miner: each part's constructor says what it reads
 * and what it may change. `UtxoNode` provides them all (it is checked against `NodeParts`).
 */

/** The chain without the calls that change it: tip, entries, blocks, coins. */
export type ChainReader = Omit<ChainState, "submitBlock" | "invalidateBlock" | "reconsiderBlock" | "addListener">;

/** The pool without the calls that change it. */
export type PoolReader = Omit<Mempool, "accept" | "removeAll" | "expire" | "addListener">;

/** Reading the chain: its rules, its state and the node's transaction index. */
export interface ChainSource {
  readonly params: NetworkParams;
  readonly chain: ChainReader;
  readonly index: ChainIndex;
  readonly genesisHash: Hash;
}

/** Reading the pool, and the running tally of what it pays each key. */
export interface PoolSource {
  readonly mempool: PoolReader;
  readonly poolPayments: PoolPayments;
}

/** Where every block and loose transaction enters: the node decides and reports. */
export interface Submitter {
  submitBlock(block: Block, source: string, opts?: SubmitOptions): Promise<SubmitResult>;
  submitTx(tx: Transaction, source: string, opts?: { allowOrphan?: boolean }): AcceptResult;
  /** submitTx with the signatures checked first on the verification threads */
  submitTxVerified(tx: Transaction, source: string, opts?: { allowOrphan?: boolean }): Promise<AcceptResult>;
}

/** What the node tells: its event bus and its log lines. */
export interface Reporter {
  readonly events: EventBus;
  emit(e: NodeEvent): void;
  info(line: string): void;
}

/** The peer layer: absent until it has started (and in a node started without it). */
export interface PeersSource {
  readonly peers: PeerLayer | undefined;
}

/** The miner, for the parts that start, pause or ask it for blocks. */
export interface MinerSource {
  readonly miner: Miner;
}

/** The chain with the calls that change it: invalidateblock, reconsiderblock, snapshots. */
export interface ChainControl {
  readonly chain: ChainState;
}

/** The clock that setmocktime (and a snapshot's revert) moves. */
export interface ClockControl {
  readonly clock: NodeClock;
}

/** How the node runs and how it stops (RPC `stop`, `uptime`, the verifier in getnetworkinfo). */
export interface Lifecycle {
  /** Date.now() at start */
  readonly startedAt: number;
  /** called after `stop` has shut the node down */
  readonly onStopped: (() => void) | undefined;
  stop(): Promise<void>;
  verifierInfo(): VerifierInfo;
}

/** The options the node was started with, for the parts that show or follow them. */
export interface ConfigSource {
  readonly config: Readonly<NodeConfig>;
}

/** Every part in one: what `UtxoNode` provides. */
export type NodeParts = ChainSource &
  ChainControl &
  ClockControl &
  PoolSource &
  Submitter &
  Reporter &
  PeersSource &
  MinerSource &
  Lifecycle &
  ConfigSource &
  Clock;
