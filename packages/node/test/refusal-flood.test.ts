// hostile rate-limits the log lines a peer can cause; workshop keeps every refusal in the store
// (the Refused list outlives a restart). A peer's flood of policy refusals (never a ban) must not
// become a store write each.

import { cleanupAfterEach, genesisCoin, pay } from "@utxolab/testkit";
import { describe, expect, it, vi } from "vitest";
import { UtxoNode } from "../src/index.js";
import { QUIET } from "./helpers.js";

const cleanup = cleanupAfterEach();

describe("refusals a peer causes", () => {
  it("are kept in the store at a bounded rate, while the page's list still shows the newest", async () => {
    // the rate's clock stands still, so the bound is the burst alone, however slow the machine is
    const burst = 20;
    const node = await UtxoNode.start({ ...QUIET, verifyThreads: 0, logLimit: { burst, perSecond: 5, now: () => 0 } });
    cleanup.push(() => node.stop());
    const writes = vi.spyOn(node.store, "appendLog");
    // dust: refused by policy before any lookup, so free to send and no reason to ban
    for (let i = 0; i < 100; i++) {
      const dust = pay([genesisCoin(0)], [[1, 1n + BigInt(i)]]);
      expect(node.submitTx(dust.tx, "peer")).toMatchObject({ ok: false, reason: "dust" });
    }
    expect(writes.mock.calls.length).toBe(burst);
    const list = (await (await fetch(`${node.rpc.url}/api/refusals`)).json()) as { reason: string }[];
    expect(list.length).toBe(100);
  });
});
