/**
 * How a node reaches its peers. The peer protocol only needs message-oriented
 * sockets that can be listened for and dialled; `WebSocketTransport` is the real
 * one, and a simulator supplies an in-memory one with its own latency and loss.
 */

export type SocketState = "connecting" | "open" | "closing" | "closed";

export interface SocketEvents {
  /** an outbound socket is connected */
  open: [];
  /** one message; a binary frame arrives with `binary` true and empty `text` (the protocol is JSON text) */
  message: [text: string, binary: boolean];
  /** errors with a `WS_ERR_` code are protocol violations by the peer (framing, oversize) */
  error: [error: Error & { code?: string }];
  /** always the last event; after a failed dial it follows the error */
  close: [code: number, reason: string];
}

export type SocketListener<E extends keyof SocketEvents> = (...args: SocketEvents[E]) => void;

/** One connection, either direction. */
export interface PeerSocket {
  readonly readyState: SocketState;
  /** bytes queued and not yet handed to the network: a slow reader shows here (backpressure) */
  readonly bufferedAmount: number;
  /** the other end's address and port as this side sees them (known once open) */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  send(text: string): void;
  /** orderly close; the peer is told `code` and `reason` */
  close(code: number, reason: string): void;
  /** cuts the connection at once */
  terminate(): void;
  /** stops reading from the peer (a closing, hostile peer's further data costs nothing); optional */
  pause?(): void;
  on<E extends keyof SocketEvents>(event: E, fn: SocketListener<E>): void;
  once<E extends keyof SocketEvents>(event: E, fn: SocketListener<E>): void;
}

export interface ListenOptions {
  /** 0 picks a free port */
  port: number;
  bind: string;
  /** bigger messages are a protocol error (`WS_ERR_UNSUPPORTED_MESSAGE_LENGTH`) */
  maxPayload: number;
  /**
   * Raw connections (before any upgrade or handshake) held at once, in total and per
   * remote address: beyond them a new socket is closed at once, so idle TCP sockets
   * cannot use up file descriptors (issue 12, attack 7). Optional for other transports.
   */
  maxConnections?: number;
  maxPerAddress?: number;
  /** a raw connection that has not upgraded by then is closed */
  upgradeTimeoutMs?: number;
}

export interface Acceptor {
  /** false: the connection is dropped before it is accepted (node closed or network switched off) */
  allow(): boolean;
  accept(socket: PeerSocket): void;
  /** errors of the listening socket after it started */
  onError(e: Error): void;
}

export interface Listener {
  /** the port actually bound */
  readonly port: number;
  close(): Promise<void>;
}

export interface DialOptions {
  maxPayload: number;
  /** a connection not open by then fails */
  handshakeTimeoutMs: number;
}

export interface Transport {
  /** Rejects (with the system error's `code`) when the address cannot be bound. */
  listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener>;
  /** Starts connecting; the socket reports `open`, or `error` then `close`. May throw for a malformed URL. */
  dial(url: string, opts: DialOptions): PeerSocket;
}
