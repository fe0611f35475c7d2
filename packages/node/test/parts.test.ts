// The node's parts take small interfaces (src/parts.ts), not the whole UtxoNode: the miner runs
// on a chain, a pool, a clock and a place to submit; the RPC says when peers are not up yet;
// the node clock reads whole seconds.
import { describe, expect, it } from "vitest";
import { type Block, ChainState, DEVNET, devnetAccounts, MemoryChainBackend } from "../../core/src/index.js";
import { Mempool } from "../../mempool/src/index.js";
import { NodeClock } from "../src/clock.js";
import { Miner, type MinerDeps } from "../src/miner.js";
import { peersOf, RpcError } from "../src/rpc/errors.js";

const NOW = DEVNET.genesis.time + 3600;

describe("narrow parts", () => {
  it("a miner needs only a chain, a pool, a clock, a submit and a log", async () => {
    const chain = await ChainState.open(DEVNET, new MemoryChainBackend(), { now: () => NOW });
    const mempool = new Mempool(chain, { now: () => NOW });
    const submitted: Block[] = [];
    const deps: MinerDeps = {
      chain,
      mempool,
      now: () => NOW,
      submitBlock: (b) => {
        submitted.push(b);
        return chain.submitBlock(b);
      },
      info: () => undefined,
    };
    const hashes = await new Miner(deps).generate(2, devnetAccounts()[1].pubkey);
    expect(hashes).toHaveLength(2);
    expect(chain.height).toBe(2);
    // the clock's time, unless the median time past asks for later
    expect(submitted[0].header.time).toBe(NOW);
    expect(submitted[1].header.time).toBeGreaterThanOrEqual(NOW);
  });

  it("the node clock reads whole seconds, real or mocked", () => {
    const clock = new NodeClock(() => 1_700_000_000.75);
    expect(clock.now()).toBe(1_700_000_000);
    clock.setMock(1_800_000_000.5);
    expect(clock.now()).toBe(1_800_000_000);
    clock.setMock(0);
    expect(clock.now()).toBe(1_700_000_000);
  });

  it("an RPC call that needs peers before the peer layer is up is refused with Core's -9, in words", () => {
    const e = (() => {
      try {
        peersOf({ peers: undefined });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(RpcError);
    expect(e).toMatchObject({ code: -9 });
    expect((e as Error).message).toMatch(/not running yet/);
  });
});
