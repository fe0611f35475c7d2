/**
 * Who a ban applies to: the address the connection comes from, the one thing the
 * attacker cannot choose freely. Keying bans on the advertised listen URL let one
 * peer advertise an honest node's URL, misbehave and get that node banned, and let
 * an offender evade a ban by changing its port (issue 12, attack 10). On loopback
 * every local node shares 127.0.0.1: they are one machine, and one student's.
 * `listenPort` is accepted for old callers and ignored.
 */
export function peerKey(address: string, _listenPort?: number): string {
  return address;
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
  /** its length: banSeconds, doubled for each earlier ban of the same key */
  seconds: number;
}

/** Longest ban however often an address offends: one day. */
export const MAX_BAN_SECONDS = 24 * 60 * 60;
/** Addresses whose past bans are remembered for escalation; the oldest is forgotten first. */
const MAX_OFFENDERS = 10_000;

export class BanList {
  private readonly bans = new Map<string, Ban>();
  /** how often each key was banned: repeat offenders get longer bans */
  private readonly offences = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Bans `key` for `seconds`, doubled for each earlier ban of it (up to MAX_BAN_SECONDS). */
  ban(key: string, seconds: number, reason: string): Ban {
    const n = this.offences.get(key) ?? 0;
    this.offences.delete(key);
    if (this.offences.size >= MAX_OFFENDERS) {
      const oldest = this.offences.keys().next();
      if (!oldest.done) this.offences.delete(oldest.value);
    }
    this.offences.set(key, n + 1);
    const length = Math.min(MAX_BAN_SECONDS, seconds * 2 ** Math.min(n, 20));
    const b = { key, until: this.now() + Math.max(seconds, length) * 1000, reason, seconds: Math.max(seconds, length) };
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
