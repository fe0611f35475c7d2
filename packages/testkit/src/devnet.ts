import {
  type Amount,
  bytesToHex,
  DEVNET,
  devnetAccounts,
  encodeAddress,
  genesisBlock,
  genesisHash,
  type SecretKey,
  type TxOutput,
  txid,
} from "@utxolab/core";

/** The ten devnet accounts; account i owns genesis output i. */
export const accounts = devnetAccounts();
/** Devnet address of account `i`. */
export const address = (i: number): string => encodeAddress(accounts[i].pubkey, DEVNET.hrp);

export const GENESIS = genesisBlock(DEVNET);
export const GENESIS_TXID = txid(GENESIS.txs[0]);
export const GENESIS_HASH = genesisHash(DEVNET);
/** Genesis as a parent for `nextBlock`. */
export const GENESIS_PARENT = { hash: GENESIS_HASH, height: 0, time: DEVNET.genesis.time };
/** Each genesis output: 1,000 coins. */
export const GENESIS_VALUE: Amount = DEVNET.genesis.allocation;

/**
 * Clock of every test chain: far enough past genesis that no test block is "too new", and
 * fixed, so `time-too-new` never depends on the real date.
 */
export const NOW = DEVNET.genesis.time + 10_000_000;

const skByKey = new Map(accounts.map((a) => [bytesToHex(a.pubkey), a.sk]));

/** The devnet secret key that can spend a coin paying `pubkey`. */
export function keyFor(pubkey: Uint8Array): SecretKey {
  const sk = skByKey.get(bytesToHex(pubkey));
  if (!sk) throw new Error(`no devnet key for ${bytesToHex(pubkey)}: pass the signing keys with { keys }`);
  return sk;
}

export const units = (n: bigint | number): Amount => BigInt(n) as Amount;

/** An output of `value` paying devnet account `to` (or a raw 32-byte key). */
export const out = (value: bigint | number, to: number | Uint8Array = 0): TxOutput => ({
  value: units(value),
  pubkey: typeof to === "number" ? accounts[to].pubkey : to,
});
