import { BoundedSet } from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { BanList, normalizeAddress, peerKey, portOfUrl } from "../src/index.js";

describe("ban identities", () => {
  it("are the seen address, whatever port the peer advertises (issue 12, attack 10)", () => {
    expect(peerKey("127.0.0.1", 18444)).toBe("127.0.0.1");
    expect(peerKey("127.0.0.1", 18446)).toBe("127.0.0.1");
    expect(peerKey("127.0.0.1", undefined)).toBe("127.0.0.1");
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

  it("double for each repeat offence of the same key, up to a day", () => {
    let now = 0;
    const bans = new BanList(() => now);
    expect(bans.ban("10.0.0.7", 60, "one").seconds).toBe(60);
    now += 61_000;
    expect(bans.ban("10.0.0.7", 60, "two").seconds).toBe(120);
    expect(bans.ban("10.0.0.7", 60, "three")).toMatchObject({ seconds: 240, until: 61_000 + 240_000 });
    expect(bans.ban("10.0.0.8", 60, "other").seconds).toBe(60);
    for (let i = 0; i < 30; i++) bans.ban("10.0.0.7", 60, "again");
    expect(bans.ban("10.0.0.7", 60, "max").seconds).toBe(24 * 60 * 60);
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
