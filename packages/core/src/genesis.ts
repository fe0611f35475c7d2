import type { Amount } from "./amount.js";
import { type Block, type BlockHeader, blockHash } from "./block.js";
import { concatBytes, utf8 } from "./bytes.js";
import { Writer } from "./encoding.js";
import { ZERO_HASH } from "./hash.js";
import { devnetAccounts } from "./keys.js";
import { merkleRoot } from "./merkle.js";
import type { NetworkParams } from "./params.js";
import { solve } from "./pow.js";
import { NULL_VOUT, type Transaction, txid } from "./transaction.js";

const cache = new Map<string, Block>();

/** Built from the params: coinbase paying each devnet account its allocation; smallest valid nonce. */
export function genesisBlock(params: NetworkParams): Block {
  const hit = cache.get(params.name);
  if (hit) return hit;
  const witness = concatBytes(new Writer(4).u32(0).finish(), utf8(params.genesis.message));
  const coinbase: Transaction = {
    version: 1,
    inputs: [{ prevTxid: ZERO_HASH, vout: NULL_VOUT, witness }],
    outputs: devnetAccounts().map((a) => ({ value: params.genesis.allocation as Amount, pubkey: a.pubkey })),
    locktime: 0,
  };
  const start: BlockHeader = {
    version: 1,
    prevHash: ZERO_HASH,
    merkleRoot: merkleRoot([txid(coinbase)]),
    time: params.genesis.time,
    bits: params.bits,
    nonce: 0,
  };
  const block: Block = { header: solve(start, params.powLimit), txs: [coinbase] };
  cache.set(params.name, block);
  return block;
}

export const genesisHash = (params: NetworkParams) => blockHash(genesisBlock(params).header);
