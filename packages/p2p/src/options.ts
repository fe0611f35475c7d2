import { randomBytes } from "node:crypto";
import type { NetworkParams } from "@utxolab/core";
import { type Clock, realClock } from "./clock.js";
import type { P2PHost } from "./host.js";
import type { Peer } from "./peer.js";
import type { Transport } from "./transport.js";
import { WebSocketTransport } from "./ws-transport.js";

/** How many hashes a peer is remembered to know by default: enough for a full inv and then some. */
export const KNOWN_INV = 100_000;

/** Port of the peer protocol when none is given (the RPC default is 18443). */
export const DEFAULT_P2P_PORT = 18444;

export interface P2POptions {
  params: NetworkParams;
  /** 0 picks a free port; default 18444 */
  port?: number;
  /** address to listen on; default 127.0.0.1 (use 0.0.0.0 for a LAN) */
  bind?: string;
  /** the URL peers are told to reach us at; default ws://<bind>:<port> (127.0.0.1 for a wildcard bind) */
  advertise?: string;
  /** ws://host:port URLs to stay connected to, redialled with exponential backoff */
  peers?: string[];
  /** connections in total; inbound ones beyond it are refused. Default 32 */
  maxPeers?: number;
  /** default 15 s */
  pingIntervalMs?: number;
  /** a peer that leaves a ping unanswered this long is dropped; default 30 s */
  pingTimeoutMs?: number;
  /** a connection that has not finished the handshake by then is dropped; default 10 s */
  handshakeTimeoutMs?: number;
  /** a peer that delivers none of the blocks asked of it for this long is dropped; default 60 s */
  blockStallMs?: number;
  /** how long a misbehaving peer is refused; default 600 s */
  banSeconds?: number;
  /** first redial delay, doubled on every failure up to reconnectMaxMs; defaults 1 s and 60 s */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** blocks requested from one peer and not yet processed; default 16 */
  maxBlocksInFlight?: number;
  /** a requested block not delivered this long after its request: the peer is a staller, dropped, and the block asked of others; default 20 s */
  blockTimeoutMs?: number;
  /**
   * bytes of blocks one peer's headers may make us store on a chain they show passing our tip
   * while that chain still does not beat it; beyond, the peer is banned; default 4 MiB
   */
  maxClaimBytes?: number;
  /**
   * what all peers' claims together may make us store (bytes and blocks); past either, the
   * largest claim is dropped with its peer (see BlockSync.boundClaims); default 16 MiB and 2,000
   * blocks, half of core's side-branch bounds
   */
  maxClaimsBytes?: number;
  maxClaimsBlocks?: number;
  /** a requested transaction not delivered this long: asked of the next peer that announced it; default 5 s */
  txRequestTimeoutMs?: number;
  /** inbound connections from one address (raw sockets and peers); default 8 */
  maxPerAddress?: number;
  /** bytes queued for one peer that does not read before it is dropped (pongs and every other reply); default 4 MB */
  maxSendBufferBytes?: number;
  /** messages one peer may send per second on average (burst: twice that); beyond, it is banned. Default 2,000 */
  maxMessagesPerSecond?: number;
  /** bytes of getdata/getheaders answers served to one peer per second (then it waits); default 8 MB */
  uploadBytesPerSecond?: number;
  /**
   * hashes remembered per peer as known to it (never announced to it again); default 100,000.
   * A simulator of thousands of nodes passes fewer: its memory is nodes × peers × this.
   */
  knownInventory?: number;
  /** how peers are reached; default WebSocket. A simulator passes an in-memory one. */
  transport?: Transport;
  /** time and timers; default the wall clock. A simulator passes a virtual one. */
  clock?: Clock;
  /** `bytes` random bytes as hex (node and ping nonces); default crypto. A simulator passes a seeded one. */
  randomHex?: (bytes: number) => string;
}

/**
 * Default of maxClaimBytes: bytes of blocks one peer's headers may make us store on a chain they
 * show passing our tip while that chain still does not beat it: a quarter of core's side-branch
 * budget (DEFAULT_MAX_SIDE_BYTES), so one peer cannot claim all of it. Receiving and checking
 * a block of 800 KB costs the event loop tens of ms and about 7 MB of decoded objects, so what
 * a withholding peer can make us do is bounded by this, not only what we keep. An honest reorg
 * whose branch needs more than this before it beats our tip (5 blocks of 800 KB, about
 * 20,000 coinbase-only ones) needs a larger value.
 */
export const DEFAULT_MAX_CLAIM_BYTES = 4 * 1024 * 1024;
/** Defaults of maxClaimsBytes and maxClaimsBlocks: half of core's side-branch bounds (32 MiB, 4 x 1,000 headed blocks), so a claimed block never has to be pruned. */
export const DEFAULT_MAX_CLAIMS_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_CLAIMS_BLOCKS = 2_000;

export type ResolvedOptions = Required<Omit<P2POptions, "advertise" | "peers">> & { advertise?: string; peers: string[] };

export function resolveOptions(opts: P2POptions): ResolvedOptions {
  return {
    params: opts.params,
    port: opts.port ?? DEFAULT_P2P_PORT,
    bind: opts.bind ?? "127.0.0.1",
    advertise: opts.advertise,
    peers: opts.peers ?? [],
    maxPeers: opts.maxPeers ?? 32,
    pingIntervalMs: opts.pingIntervalMs ?? 15_000,
    pingTimeoutMs: opts.pingTimeoutMs ?? 30_000,
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10_000,
    blockStallMs: opts.blockStallMs ?? 60_000,
    banSeconds: opts.banSeconds ?? 600,
    reconnectBaseMs: opts.reconnectBaseMs ?? 1_000,
    reconnectMaxMs: opts.reconnectMaxMs ?? 60_000,
    maxBlocksInFlight: opts.maxBlocksInFlight ?? 16,
    blockTimeoutMs: opts.blockTimeoutMs ?? 20_000,
    maxClaimBytes: opts.maxClaimBytes ?? DEFAULT_MAX_CLAIM_BYTES,
    maxClaimsBytes: opts.maxClaimsBytes ?? DEFAULT_MAX_CLAIMS_BYTES,
    maxClaimsBlocks: opts.maxClaimsBlocks ?? DEFAULT_MAX_CLAIMS_BLOCKS,
    txRequestTimeoutMs: opts.txRequestTimeoutMs ?? 5_000,
    maxPerAddress: opts.maxPerAddress ?? 8,
    maxSendBufferBytes: opts.maxSendBufferBytes ?? 4 * 1024 * 1024,
    uploadBytesPerSecond: opts.uploadBytesPerSecond ?? 8 * 1024 * 1024,
    maxMessagesPerSecond: opts.maxMessagesPerSecond ?? 2_000,
    knownInventory: opts.knownInventory ?? KNOWN_INV,
    transport: opts.transport ?? new WebSocketTransport(),
    clock: opts.clock ?? realClock,
    randomHex: opts.randomHex ?? ((n) => randomBytes(n).toString("hex")),
  };
}

export const BAN_THRESHOLD = 100;
/** Scores for offences that do not ban at once; everything else listed in docs/protocol.md scores 100. */
export const SCORE_UNKNOWN_TYPE = 10;
export const SCORE_REPEAT_HANDSHAKE = 20;
export const SCORE_REQUEST_FLOOD = 20;
/** its replies piled up past maxSendBufferBytes: dropped, and two such drops ban */
export const SCORE_NOT_READING = 50;
/** `headers` nobody asked for (issue 12: 644k spam headers) */
export const SCORE_UNREQUESTED_HEADERS = 20;
/** `notfound` for a block it announced and we asked of it */
export const SCORE_NOTFOUND_BLOCK = 20;
/** a transaction it announced, we asked for, and it never sent */
export const SCORE_TX_NOT_SERVED = 20;

/** What the parts of a node (dialer, handshake, relay) share. */
export interface NodeContext {
  readonly host: P2PHost;
  readonly params: NetworkParams;
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readyPeers(): Iterable<Peer>;
  /** a peer's state changed to or from ready (the ready list is cached) */
  peersChanged(): void;
  misbehave(peer: Peer, score: number, why: string): void;
  disconnect(peer: Peer, why: string): void;
  /** drops a peer that did not deliver blocks asked of it (banned if it withholds a chain it claimed) */
  stalled(peer: Peer, why: string): void;
  /** the host's best height, 0 if it cannot say */
  safeHeight(): number;
}

export const formatDelay = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`);
