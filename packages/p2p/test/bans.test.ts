import { BoundedSet } from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { BanList, normalizeAddress, peerKey, portOfUrl } from "../src/index.js";

describe("ban identities", () => {
  it("pair the seen address with the listening port", () => {
    expect(peerKey("127.0.0.1", 18444)).toBe("127.0.0.1:18444");
    expect(peerKey("127.0.0.1", undefined)).toBe("127.0.0.1:-");
    expect(normalizeAddress("::ffff:192.168.1.5")).toBe("192.168.1.5");
    expect(normalizeAddress("::1")).toBe("::1");
    expect(normalizeAddress(undefined)).toBe("unknown");
  });

  it("read the port of ws URLs only", () => {
    expect(portOfUrl("ws://127.0.0.1:18444")).toBe(18444);
    expect(portOfUrl("ws://[::1]:9")).toBe(9);
    expect(portOfUrl("ws://example.org")).toBe(80);
    expect(portOfUrl("wss://example.org")).toBe(443);
    expect(portOfUrl("http://127.0.0.1:18444")).toBeUndefined();
    expect(portOfUrl("not a url")).toBeUndefined();
  });

  it("expire after their time", () => {
    let now = 1_000_000;
    const bans = new BanList(() => now);
    bans.ban("127.0.0.1:1", 10, "why");
    expect(bans.get("127.0.0.1:1")).toMatchObject({ reason: "why", until: 1_010_000 });
    expect(bans.get("127.0.0.1:2")).toBeUndefined();
    now += 9_999;
    expect(bans.list()).toHaveLength(1);
    now += 1;
    expect(bans.get("127.0.0.1:1")).toBeUndefined();
    expect(bans.list()).toEqual([]);
  });
});

describe("BoundedSet", () => {
  it("forgets the oldest beyond its capacity", () => {
    const s = new BoundedSet<number>(3);
    for (const v of [1, 2, 3, 2, 4]) s.add(v);
    expect([1, 2, 3, 4].map((v) => s.has(v))).toEqual([false, true, true, true]);
    expect(s.size).toBe(3);
  });
});
