// The threads' pre-check of a submitted transaction (crypto) must respect the pool's signature
// budget (hostile): a transaction over it is refused before any signature is checked.

import { accounts, cleanupAfterEach, genesisCoin, pay } from "@utxolab/testkit";
import { describe, expect, it, vi } from "vitest";
import { type Transaction, txid } from "../../core/src/index.js";
import { UtxoNode } from "../src/index.js";
import { QUIET } from "./helpers.js";

const cleanup = cleanupAfterEach();

describe("submitTxVerified and the pool's signature budget", () => {
  it("checks no signature of a transaction with more inputs than maxTxSigs: refused too-many-sigs at no cost", async () => {
    const node = await UtxoNode.start({ ...QUIET, web: false, verifyThreads: 1 });
    cleanup.push(() => node.stop());
    const n = 501;
    const each = 1_000_000n;
    const fan = pay(
      [genesisCoin(0)],
      Array.from({ length: n }, () => [1, each] as [number, bigint]),
    );
    expect(node.submitTx(fan.tx, "test").ok).toBe(true);
    // every input exists (in the pool); the signatures are zeros: checking them is pure waste
    const big: Transaction = {
      version: 1,
      inputs: Array.from({ length: n }, (_, vout) => ({ prevTxid: fan.txid, vout, witness: new Uint8Array(64) })),
      outputs: [{ value: (each * BigInt(n) - 100_000n) as never, pubkey: accounts[2].pubkey }],
      locktime: 0,
    };
    const spy = vi.spyOn(node.verification.verifier, "firstFailure");
    const r = await node.submitTxVerified(big, "rpc");
    expect(r).toMatchObject({ ok: false, reason: "too-many-sigs", txid: txid(big) });
    expect(spy).not.toHaveBeenCalled();
  });
});
