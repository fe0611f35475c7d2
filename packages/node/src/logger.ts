import type { NodeEvent } from "./events.js";

/**
 * Control characters (C0, DEL, C1), and Unicode line and paragraph separators, as
 * `\xNN` / `\uNNNN`: text from peers (reject reasons, user agents, URLs) must not move
 * the cursor, clear the terminal or forge a second log line (issue 12, attack 11).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Longest line written; the rest is cut with a note of how much. */
export const MAX_LOG_LINE = 2_000;

export function sanitizeLogLine(line: string): string {
  const clean = line.replace(CONTROL, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
  });
  return clean.length > MAX_LOG_LINE ? `${clean.slice(0, MAX_LOG_LINE)}… (${clean.length - MAX_LOG_LINE} more characters)` : clean;
}

export interface RateLimitOptions {
  /** lines of one kind written at once before limiting starts (default 20) */
  burst?: number;
  /** lines of one kind per second afterwards (default 5) */
  perSecond?: number;
  /** ms clock (tests move it) */
  now?: () => number;
}

/**
 * Events that a peer can cause as often as it likes (refusals, peer lines) are limited
 * per kind with a token bucket; what was dropped is reported in one line once the kind
 * may write again. Blocks and accepted transactions are never dropped: each costs work.
 */
const LIMITED = new Set<NodeEvent["type"]>(["peer", "tx-rejected", "block-rejected", "tx-removed"]);

/** Token buckets per kind: `burst` at once, then `perSecond`; counts what it refused since the last allowed one. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; dropped: number }>();
  readonly burst: number;
  readonly perSecond: number;
  private readonly now: () => number;

  constructor(opts: RateLimitOptions = {}) {
    this.burst = opts.burst ?? 20;
    this.perSecond = opts.perSecond ?? 5;
    this.now = opts.now ?? Date.now;
  }

  /** undefined when `kind` is over its rate; else how many were refused since its last allowed one. */
  take(kind: string): number | undefined {
    const now = this.now();
    let b = this.buckets.get(kind);
    if (!b) {
      // bounded: the kinds are event types and reasons from a fixed vocabulary, but reasons are also cut to 64 characters
      if (this.buckets.size >= 1_000) this.buckets.clear();
      b = { tokens: this.burst, at: now, dropped: 0 };
      this.buckets.set(kind, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) {
      b.dropped++;
      return undefined;
    }
    b.tokens -= 1;
    const dropped = b.dropped;
    b.dropped = 0;
    return dropped;
  }
}

export class RateLimitedLog {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly write: (line: string) => void,
    opts: RateLimitOptions = {},
  ) {
    this.limiter = new RateLimiter(opts);
  }

  /** The kind a line is limited under: its event type, and for refusals the reason. */
  private kindOf(e: NodeEvent): string | undefined {
    if (!LIMITED.has(e.type)) return undefined;
    if (e.type === "tx-rejected" || e.type === "block-rejected") return `${e.type}:${e.reason.slice(0, 64)}:${e.source}`;
    return e.type;
  }

  log(e: NodeEvent, line: string): void {
    const kind = this.kindOf(e);
    if (kind === undefined) {
      this.write(sanitizeLogLine(line));
      return;
    }
    const dropped = this.limiter.take(kind);
    if (dropped === undefined) return;
    if (dropped > 0) {
      this.write(
        `(${dropped} more ${kind.split(":").slice(0, 2).join(" ")} lines were not logged: over ${this.limiter.perSecond} a second)`,
      );
    }
    this.write(sanitizeLogLine(line));
  }
}
