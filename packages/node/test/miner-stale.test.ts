// generatetoaddress racing a revert or invalidateblock: the tip moves while the nonce is searched,
// and the block built on the old tip is refused (its parent is now invalid). The miner builds it
// again on the new tip instead of failing the whole call and losing the hashes already mined.
import { accounts, cleanupAfterEach } from "@utxolab/testkit";
import { describe, expect, it } from "vitest";
import { UtxoNode } from "../src/index.js";
import { QUIET } from "./helpers.js";

const cleanup = cleanupAfterEach();

describe("the miner when the tip moves under it", () => {
  it("builds the block again on the new tip after an invalidateblock lands during the search", async () => {
    const node = await UtxoNode.start({ ...QUIET, web: false });
    cleanup.push(() => node.stop());
    const [first] = await node.miner.generate(1, accounts[1].pubkey);
    // The next submission arrives just after someone invalidated the tip it was built on.
    const submit = node.submitBlock.bind(node);
    let raced = 0;
    node.submitBlock = async (block, from) => {
      if (raced++ === 0) await node.chain.invalidateBlock(first, "test: a revert during the search");
      return submit(block, from);
    };
    const hashes = await node.miner.generate(2, accounts[1].pubkey);
    expect(raced).toBe(3); // the refused block, then the same block built again, then the second
    expect(hashes).toHaveLength(2);
    expect(node.chain.height).toBe(2);
    expect(node.chain.atHeight(2)?.hash).toBe(hashes[1]);
    expect(node.chain.atHeight(1)?.hash).toBe(hashes[0]);
    expect(hashes[0]).not.toBe(first);
  });
});
