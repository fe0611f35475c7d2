import { BoundedSet, type Hash } from "@utxolab/core";
import { peerKey, portOfUrl } from "./bans.js";
import type { Clock } from "./clock.js";
import { encodeMessage, type OutMessage, type VersionMsg } from "./messages.js";
import { KNOWN_INV } from "./options.js";
import type { PeerSocket } from "./transport.js";

/** Headers a peer sent us, so its next batch of headers can connect to them. */
const KNOWN_HEADERS = 10_000;

export type PeerState = "handshake" | "ready" | "closed";

/** One connection and everything the node tracks about it. */
export class Peer {
  state: PeerState = "handshake";
  version?: VersionMsg;
  /** we accepted its version and sent verack */
  accepted = false;
  gotVerack = false;
  height = 0;
  banScore = 0;
  listenPort?: number;
  closeReason?: string;
  /** we refused it (reject sent): its own reject in return is not news */
  refused = false;
  /** we are closing it: whatever it still sends is ignored */
  closing = false;
  readonly connectedAt: number;
  readonly sent: Record<string, number> = {};
  readonly received: Record<string, number> = {};

  /** hashes it announced, sent, requested or was told about: never announced to it again */
  readonly knownInv: BoundedSet<Hash>;
  pendingTxInv: Hash[] = [];
  pendingBlockInv: Hash[] = [];
  flushScheduled = false;

  /** when it last gave us a block that we accepted, a transaction we accepted (0: never): eviction protects these */
  lastBlockAt = 0;
  lastTxAt = 0;
  /** requested blocks (hash, when asked) not yet received: each has a deadline */
  readonly requestedAt = new Map<Hash, number>();

  pingNonce?: string;
  pingSentAt = 0;
  lastPingAt = 0;
  pingMs?: number;
  /** how long its blocks take from request to arrival (a moving average), for its stall window */
  deliveryMs?: number;

  /** block hashes to download from it, in chain order */
  queue: Hash[] = [];
  readonly queued = new Set<Hash>();
  readonly headerSet = new BoundedSet<Hash>(KNOWN_HEADERS);
  /** requested from it and not yet processed */
  readonly inFlight = new Set<Hash>();
  /** blocks it sent unasked that wait for the host */
  unsolicited = 0;
  /** requested from it and not yet received */
  readonly awaiting = new Set<Hash>();
  lastBlockProgressAt = 0;
  /** height of the last header it sent, when known */
  lastHeaderHeight?: number;
  /** its last `headers` was full: ask again from this hash */
  moreHeadersFrom?: Hash;
  /** when our last getheaders went out; an answer overdue by 30 s no longer blocks asking again */
  headersRequestedAt = 0;
  /** getheaders sent and not yet answered: each answer takes one, so a second request's answer is not "unasked" */
  headersAsked = 0;
  /**
   * while its chain, shown passing our tip, is asked for again from the fork point `from`: that
   * chain's height (every header has the same bits, so work follows height). Only batches that
   * continue it count as on their way past the tip.
   */
  claim?: { from: Hash; height: number };
  /** its headers made us ask for blocks of a chain passing our tip (BlockSync's claims name it) */
  hasClaims = false;
  /** bytes of blocks stored on its claim while that chain still does not beat our tip */
  claimBytes = 0;
  /** size of the blocks it delivers (raw bytes, moving average but never below the last): its window follows it */
  blockBytes?: number;
  /** full batches in a row whose chain does not beat our tip (issue 12: low-work headers from genesis) */
  lowWorkBatches = 0;
  /** where its chain left ours while it still did not beat our tip: its headers are asked again from here once it does */
  deferredFrom?: { hash: Hash; height: number };
  /** the point its chain is being downloaded again from, once it passed our tip */
  restartFrom?: { hash: Hash; height: number };
  /** blocks it answered `notfound` for: never asked of it again */
  readonly lacks = new BoundedSet<Hash>(KNOWN_HEADERS);

  get headersPending(): boolean {
    return this.headersAsked > 0 && this.clock.now() - this.headersRequestedAt < 30_000;
  }
  readonly txAwaiting = new Set<Hash>();

  /** message budget (see maxMessagesPerSecond) and when it was last refilled */
  msgTokens = Number.POSITIVE_INFINITY;
  msgAt = 0;

  /** upload budget (bytes) for answers to its requests, and when it was last refilled */
  uploadTokens = Number.POSITIVE_INFINITY;
  uploadAt = 0;

  /** getdata/getheaders are answered one at a time, in order */
  serving: Promise<void> = Promise.resolve();
  servePending = 0;

  constructor(
    readonly id: number,
    readonly socket: PeerSocket,
    readonly inbound: boolean,
    /** remote address as seen on the socket */
    public address: string,
    public remotePort: number,
    /** the URL we dialled (outbound) */
    readonly dialUrl: string | undefined,
    private readonly clock: Clock,
    knownInventory = KNOWN_INV,
  ) {
    this.knownInv = new BoundedSet<Hash>(knownInventory);
    this.connectedAt = clock.now();
    this.uploadAt = this.connectedAt;
  }

  /** Ban identity: see `peerKey`. */
  get key(): string {
    return peerKey(this.address, this.inbound ? this.listenPort : this.dialUrl ? portOfUrl(this.dialUrl) : undefined);
  }

  /** Where it can be reached: the dialled URL, or its address with the port it says it listens on. */
  get url(): string {
    if (this.dialUrl) return this.dialUrl;
    const host = this.address.includes(":") ? `[${this.address}]` : this.address;
    return `ws://${host}:${this.listenPort ?? this.remotePort}`;
  }

  get remote(): string {
    const host = this.address.includes(":") ? `[${this.address}]` : this.address;
    return `${host}:${this.remotePort}`;
  }

  get userAgent(): string {
    return this.version?.userAgent ?? "";
  }

  /** `#3 ws://127.0.0.1:18444`: how log lines name a peer */
  get label(): string {
    return `peer ${this.id} (${this.url}${this.inbound ? ", inbound" : ""})`;
  }

  get open(): boolean {
    return this.socket.readyState === "open" && this.state !== "closed";
  }

  /** bytes allowed to wait in the socket for this peer to read; beyond, onOverflow and nothing more is queued */
  maxBuffered = Number.POSITIVE_INFINITY;
  onOverflow?: (queued: number) => void;

  send(m: OutMessage): boolean {
    if (!this.open) return false;
    const queued = this.socket.bufferedAmount;
    if (queued > this.maxBuffered) {
      // a peer that does not read gets nothing more queued: memory stays bounded (issue 12, attack 2)
      const cb = this.onOverflow;
      // once: the reject and close that follow must not overflow again
      this.onOverflow = undefined;
      this.maxBuffered = Number.POSITIVE_INFINITY;
      cb?.(queued);
      return false;
    }
    this.socket.send(encodeMessage(m));
    this.sent[m.type] = (this.sent[m.type] ?? 0) + 1;
    return true;
  }
}

/**
 * Whether `p` is the node that answered with `nonce` from `address`. A nonce alone is only a
 * claim (anyone can copy it from a `version`); the remote address is what the other end
 * cannot choose (from a TCP source address). An attacker behind the same address as the node
 * it copies (NAT, one host) can still pass for it: see docs/protocol.md, `duplicate`.
 */
export const sameNode = (p: Peer, nonce: string, address: string): boolean => p.version?.nonce === nonce && p.address === address;
