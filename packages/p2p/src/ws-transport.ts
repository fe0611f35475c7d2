import { createServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer } from "ws";
import type {
  Acceptor,
  DialOptions,
  Listener,
  ListenOptions,
  PeerSocket,
  SocketEvents,
  SocketListener,
  SocketState,
  Transport,
} from "./transport.js";

const STATES: readonly SocketState[] = ["connecting", "open", "closing", "closed"];

/** A `ws` WebSocket seen through the PeerSocket interface. */
class WsSocket implements PeerSocket {
  constructor(
    private readonly ws: WebSocket,
    private readonly inboundRemote?: { address?: string; port?: number },
  ) {}

  get readyState(): SocketState {
    return STATES[this.ws.readyState] ?? "closed";
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  private get tcp(): { remoteAddress?: string; remotePort?: number } | undefined {
    return (this.ws as unknown as { _socket?: { remoteAddress?: string; remotePort?: number } })._socket;
  }

  get remoteAddress(): string | undefined {
    return this.inboundRemote ? this.inboundRemote.address : this.tcp?.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.inboundRemote ? this.inboundRemote.port : this.tcp?.remotePort;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  pause(): void {
    this.ws.pause();
  }

  on<E extends keyof SocketEvents>(event: E, fn: SocketListener<E>): void {
    this.ws.on(event, adapt(event, fn));
  }

  once<E extends keyof SocketEvents>(event: E, fn: SocketListener<E>): void {
    this.ws.once(event, adapt(event, fn));
  }
}

/** ws hands over Buffers; the interface speaks strings. */
function adapt<E extends keyof SocketEvents>(event: E, fn: SocketListener<E>): (...args: any[]) => void {
  const f = fn as (...args: unknown[]) => void;
  if (event === "message") {
    return (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return f("", true);
      const text = Buffer.isBuffer(data)
        ? data.toString("utf8")
        : Array.isArray(data)
          ? Buffer.concat(data).toString("utf8")
          : Buffer.from(data).toString("utf8");
      f(text, false);
    };
  }
  if (event === "close") return (code: number, reason: Buffer) => f(code, reason.toString());
  return f;
}

/**
 * Peers over WebSocket (docs/protocol.md): an HTTP server that upgrades to
 * WebSocket (plain HTTP gets a 426 with a hint), and `ws` clients for dialling.
 */
export class WebSocketTransport implements Transport {
  async listen(opts: ListenOptions, acceptor: Acceptor): Promise<Listener> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" });
      res.end("This is a UTXOLab peer-to-peer port: connect with a WebSocket client (see docs/protocol.md).\n");
    });
    // Garbage that is not even HTTP: drop the socket; there is no peer yet to blame.
    server.on("clientError", (_err, socket) => socket.destroy());
    // Every TCP socket counts from its first byte, upgraded or not: limits in total and per
    // address, and a deadline for the upgrade, before a WebSocket exists.
    const perAddress = new Map<string, number>();
    let open = 0;
    const maxConnections = opts.maxConnections ?? Number.POSITIVE_INFINITY;
    const maxPerAddress = opts.maxPerAddress ?? Number.POSITIVE_INFINITY;
    const upgradeTimeoutMs = opts.upgradeTimeoutMs ?? 10_000;
    // sockets not yet upgraded, oldest first: when every slot is taken, the oldest of them
    // makes room, so idle sockets from many addresses cannot lock honest peers out
    const pending = new Set<Socket>();
    server.on("connection", (socket: Socket) => {
      const addr = socket.remoteAddress ?? "unknown";
      const mine = perAddress.get(addr) ?? 0;
      if (mine >= maxPerAddress) {
        socket.destroy();
        return;
      }
      if (open >= maxConnections) {
        const oldest = pending.values().next();
        if (oldest.done) {
          socket.destroy();
          return;
        }
        pending.delete(oldest.value);
        oldest.value.destroy();
      }
      pending.add(socket);
      socket.once("close", () => pending.delete(socket));
      open++;
      perAddress.set(addr, mine + 1);
      socket.once("close", () => {
        open--;
        const n = (perAddress.get(addr) ?? 1) - 1;
        if (n <= 0) perAddress.delete(addr);
        else perAddress.set(addr, n);
      });
      const timer = setTimeout(() => {
        if (!upgraded.has(socket)) socket.destroy();
      }, upgradeTimeoutMs);
      timer.unref();
      timers.set(socket, timer);
      socket.once("close", () => clearTimeout(timer));
    });
    const timers = new WeakMap<object, ReturnType<typeof setTimeout>>();
    const upgraded = new WeakSet<object>();
    const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload, perMessageDeflate: false });
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      upgraded.add(socket);
      pending.delete(socket as Socket);
      clearTimeout(timers.get(socket));
      socket.on("error", () => socket.destroy());
      if (!acceptor.allow()) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) =>
        acceptor.accept(new WsSocket(ws, { address: req.socket.remoteAddress, port: req.socket.remotePort })),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, opts.bind, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (e) => acceptor.onError(e));
    const addr = server.address();
    const port = addr && typeof addr === "object" ? addr.port : opts.port;
    return {
      port,
      close: async () => {
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  dial(url: string, opts: DialOptions): PeerSocket {
    return new WsSocket(
      new WebSocket(url, { maxPayload: opts.maxPayload, perMessageDeflate: false, handshakeTimeout: opts.handshakeTimeoutMs }),
    );
  }
}
