import type { Amount } from "./amount.js";
import { type Block, type BlockHeader, blockHash } from "./block.js";
import { concatBytes, utf8 } from "./bytes.js";
import { Writer } from "./encoding.js";
import { deepFreeze } from "./freeze.js";
import { ZERO_HASH } from "./hash.js";
import { devnetAccounts } from "./keys.js";
import { merkleRoot } from "./merkle.js";
import type { NetworkParams } from "./params.js";
import { solve } from "./pow.js";
import { NULL_VOUT, type Transaction, txid } from "./transaction.js";

/** What every copy of a network's genesis block shares: the solved header (frozen, its hash memoized) and the bytes to copy. */
interface GenesisParts {
  readonly header: BlockHeader;
  readonly witness: Uint8Array;
  readonly pubkeys: readonly Uint8Array[];
}

const cache = new Map<string, GenesisParts>();

function partsOf(params: NetworkParams): GenesisParts {
  const hit = cache.get(params.name);
  if (hit) return hit;
  const witness = concatBytes(new Writer(4).u32(0).finish(), utf8(params.genesis.message));
  const pubkeys = devnetAccounts().map((a) => a.pubkey);
  const start: BlockHeader = {
    version: 1,
    prevHash: ZERO_HASH,
    merkleRoot: merkleRoot([txid(coinbaseOf(params, witness, pubkeys))]),
    time: params.genesis.time,
    bits: params.bits,
    nonce: 0,
  };
  const parts: GenesisParts = Object.freeze({
    header: Object.freeze(solve(start, params.powLimit)),
    witness,
    pubkeys: Object.freeze(pubkeys),
  });
  cache.set(params.name, parts);
  return parts;
}

/** The coinbase paying each devnet account its allocation. */
function coinbaseOf(params: NetworkParams, witness: Uint8Array, pubkeys: readonly Uint8Array[]): Transaction {
  return {
    version: 1,
    inputs: [{ prevTxid: ZERO_HASH, vout: NULL_VOUT, witness }],
    outputs: pubkeys.map((pubkey) => ({ value: params.genesis.allocation as Amount, pubkey })),
    locktime: 0,
  };
}

/**
 * Built from the params: coinbase paying each devnet account its allocation; smallest valid nonce.
 * Deep-frozen, and every call gets its own copy of the bytes, so no caller can change the genesis
 * block the others see; the header is one shared object, so its hash is computed once.
 */
export function genesisBlock(params: NetworkParams): Block {
  const g = partsOf(params);
  const coinbase = coinbaseOf(
    params,
    g.witness.slice(),
    g.pubkeys.map((p) => p.slice()),
  );
  return deepFreeze({ header: g.header, txs: [coinbase] });
}

export const genesisHash = (params: NetworkParams) => blockHash(genesisBlock(params).header);
