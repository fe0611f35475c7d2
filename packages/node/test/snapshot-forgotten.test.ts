// rpc's snapshots × hostile's maxSideBlocks: a snapshot's tip that a reorganization left on a
// side branch may be forgotten; revert must then say so, not crash on the missing entry.

import { GENESIS_PARENT, NOW, nextBlock, openChain } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { blockHash } from "../../core/src/index.js";
import { Mempool } from "../../mempool/src/index.js";
import { NodeClock } from "../src/clock.js";
import { RpcError } from "../src/rpc/errors.js";
import { type SnapshotNode, Snapshots } from "../src/rpc/snapshots.js";

const parentOf = (b: ReturnType<typeof nextBlock>, height: number) => ({ hash: blockHash(b.header), height, time: b.header.time });

describe("revert to a snapshot whose tip was forgotten", () => {
  it("refuses with an RPC error that says why, and uses up the snapshot", async () => {
    const chain = await openChain({ maxSideBlocks: 1 });
    const mempool = new Mempool(chain, { now: () => NOW });
    const lines: string[] = [];
    const node: SnapshotNode = { chain, mempool, clock: new NodeClock(() => NOW), info: (l: string) => void lines.push(l) };
    const snaps = new Snapshots(node);
    const a1 = nextBlock(GENESIS_PARENT);
    expect(await chain.submitBlock(a1)).toMatchObject({ ok: true, active: true });
    const id = snaps.take();
    // a heavier branch wins: a1 is now a side block, and a heavier side block pushes it out (bound 1)
    const b1 = nextBlock(GENESIS_PARENT);
    const b2 = nextBlock(parentOf(b1, 1));
    for (const b of [b1, b2]) await chain.submitBlock(b);
    expect(chain.tip.hash).toBe(blockHash(b2.header));
    await chain.submitBlock(nextBlock(parentOf(b1, 1)));
    expect(chain.getEntry(blockHash(a1.header))).toBeUndefined();
    const err = await snaps.revert(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as Error).message).toMatch(/no longer known/);
    expect(chain.tip.hash).toBe(blockHash(b2.header));
    await expect(snaps.revert(id)).rejects.toThrow(/no snapshot/);
  });
});
