import { until } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { hasPeer, Net, TestHost } from "./helpers.js";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("close", () => {
  it("leaves no timer behind once it resolves", async () => {
    const before = timers();
    const net = new Net();
    const a = await net.node(await TestHost.create("a"));
    const b = await net.node(await TestHost.create("b"), { peers: [a.url] });
    await until("connected", () => hasPeer(a) && hasPeer(b));
    await net.close();
    // each node's 1 s grace timer for peers that ignore the close handshake used to stay armed
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
