import { describe, expect, it } from "vitest";
import { formatEvent, type NodeEvent } from "../src/events.js";
import { MAX_LOG_LINE, RateLimitedLog, sanitizeLogLine } from "../src/logger.js";

// Issue 12, attack 11: 465 MB of log in 18 s, with raw ESC and newlines from peer data.
describe("log lines", () => {
  it("escape control characters from peer data, so one event stays one line and cannot drive the terminal", () => {
    const evil = "ok\u001b[2J\u001b[Hfake line\nblock connected: height 999\r\u0007\u2028\u009b";
    const out = sanitizeLogLine(`peer 3 says: ${evil}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none are left
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(out).toBe("peer 3 says: ok\\x1b[2J\\x1b[Hfake line\\x0ablock connected: height 999\\x0d\\x07\\u2028\\x9b");
  });

  it("cut very long lines", () => {
    const out = sanitizeLogLine("x".repeat(MAX_LOG_LINE + 500));
    expect(out.length).toBeLessThan(MAX_LOG_LINE + 40);
    expect(out).toMatch(/500 more characters\)$/);
  });

  it("are limited per kind: a flood of refusals writes a burst, then a few a second, then says how many were dropped", () => {
    let now = 0;
    const lines: string[] = [];
    const log = new RateLimitedLog((l) => lines.push(l), { burst: 10, perSecond: 2, now: () => now });
    const refusal: NodeEvent = { type: "tx-rejected", txid: "ab".repeat(32), reason: "bad-txns-sig", detail: "x", source: "peer" };
    for (let i = 0; i < 100_000; i++) log.log(refusal, formatEvent(refusal));
    expect(lines).toHaveLength(10);
    // blocks are never dropped, whatever the flood
    const block: NodeEvent = { type: "block", height: 1, hash: "cd".repeat(32), txs: 1, fees: 0n, time: 0, size: 100 };
    log.log(block, formatEvent(block));
    expect(lines).toHaveLength(11);
    now += 1_000; // two more tokens
    log.log(refusal, formatEvent(refusal));
    expect(lines[11]).toBe("(99990 more tx-rejected bad-txns-sig lines were not logged: over 2 a second)");
    expect(lines[12]).toMatch(/^tx rejected from peer/);
    // another kind has its own budget
    const peer: NodeEvent = { type: "peer", line: "peer 9 joined" };
    log.log(peer, formatEvent(peer));
    expect(lines.at(-1)).toBe("peer 9 joined");
  });
});
