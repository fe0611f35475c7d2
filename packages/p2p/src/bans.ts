/**
 * Who a ban applies to. A whole address is too coarse: on loopback every node
 * is 127.0.0.1, and on a workshop LAN one laptop may run several nodes behind
 * one address. So a peer is its address as we see it plus the port it listens
 * on (the port of the dialled URL for outbound peers, of the advertised `listen`
 * URL for inbound ones). A peer that misbehaves before saying where it listens
 * is banned as `address:-`, which refuses only other unidentified peers there.
 */
export function peerKey(address: string, listenPort: number | undefined): string {
  return `${address}:${listenPort ?? "-"}`;
}

/** `::ffff:127.0.0.1` (IPv4 seen through an IPv6 socket) is 127.0.0.1. */
export function normalizeAddress(a: string | undefined): string {
  if (!a) return "unknown";
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

/** The port of a ws:// or wss:// URL, or undefined if it is not one. */
export function portOfUrl(url: string): number | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== "ws:" && u.protocol !== "wss:") return undefined;
    const p = u.port === "" ? (u.protocol === "wss:" ? 443 : 80) : Number(u.port);
    return Number.isInteger(p) && p > 0 && p < 65536 ? p : undefined;
  } catch {
    return undefined;
  }
}

export interface Ban {
  key: string;
  /** ms since the epoch */
  until: number;
  reason: string;
}

export class BanList {
  private readonly bans = new Map<string, Ban>();

  constructor(private readonly now: () => number = Date.now) {}

  ban(key: string, seconds: number, reason: string): Ban {
    const b = { key, until: this.now() + seconds * 1000, reason };
    this.bans.set(key, b);
    return b;
  }

  /** The ban in force on `key`, if any (expired ones are forgotten here). */
  get(key: string): Ban | undefined {
    const b = this.bans.get(key);
    if (b && b.until <= this.now()) {
      this.bans.delete(key);
      return undefined;
    }
    return b;
  }

  list(): Ban[] {
    return [...this.bans.keys()].map((k) => this.get(k)).filter((b): b is Ban => b !== undefined);
  }

  unban(key: string): boolean {
    return this.bans.delete(key);
  }

  clear(): void {
    this.bans.clear();
  }
}
