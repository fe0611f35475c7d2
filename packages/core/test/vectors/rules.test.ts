import { describe, expect, it } from "vitest";
import {
  blockHash,
  ChainState,
  type Coin,
  checkTransactionFull,
  DEVNET,
  decodeBlock,
  decodeTx,
  type Hash,
  hexToBytes,
  MemoryChainBackend,
  MemoryUtxoSet,
  txid,
} from "../../src/index.js";
import { loadVectors } from "./load.js";

interface TxCase {
  description: string;
  height: number;
  utxos: { txid: Hash; vout: number; value: string; pubkey: string; height: number; coinbase: boolean }[];
  tx: string;
  txid: string;
  expect: string;
  stage: string | null;
  fee?: string;
}

interface BlockScenario {
  description: string;
  now: number;
  blocks: { hex: string; expect: string; hash?: string; note?: string }[];
  tipHash: string;
  height: number;
  utxoCount: number;
  supply: string;
}

const txCases = loadVectors<TxCase>("tx_rules.json").cases;
const blockCases = loadVectors<BlockScenario>("block_rules.json").cases;

describe("tx_rules vectors", () => {
  it.each(txCases.map((c) => [c.description, c] as const))("%s", (_d, c) => {
    const set = new MemoryUtxoSet();
    for (const u of c.utxos) {
      const coin: Coin = { value: BigInt(u.value) as Coin["value"], pubkey: hexToBytes(u.pubkey), height: u.height, coinbase: u.coinbase };
      set.add(u.txid, u.vout, coin);
    }
    const d = decodeTx(c.tx);
    if (!d.ok) {
      expect(c.expect).toBe("tx-decode-failed");
      return;
    }
    expect(txid(d.tx)).toBe(c.txid);
    const r = checkTransactionFull(d.tx, set, c.height, DEVNET);
    if (c.expect === "valid") {
      expect(r).toMatchObject({ ok: true });
      if (r.ok) expect(r.fee.toString()).toBe(c.fee);
    } else {
      expect(r.ok ? "valid" : r.reason).toBe(c.expect);
    }
  });
});

describe("block_rules vectors", () => {
  it.each(blockCases.map((c) => [c.description, c] as const))("%s", async (_d, c) => {
    const chain = await ChainState.open(DEVNET, new MemoryChainBackend(), { now: () => c.now });
    for (const [i, b] of c.blocks.entries()) {
      const d = decodeBlock(b.hex);
      if (!d.ok) {
        expect(d.reason, `block ${i}`).toBe(b.expect);
        continue;
      }
      if (b.hash) expect(blockHash(d.block.header)).toBe(b.hash);
      const r = await chain.submitBlock(d.block);
      expect(r.ok ? "accepted" : r.reason, `block ${i} ${b.note ?? ""}`).toBe(b.expect);
    }
    expect(chain.tip.hash).toBe(c.tipHash);
    expect(chain.height).toBe(c.height);
    expect(chain.utxos.size).toBe(c.utxoCount);
    expect(chain.utxos.total.toString()).toBe(c.supply);
  });
});
